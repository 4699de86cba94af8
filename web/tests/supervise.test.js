// The supervision page: audit trail verification and the day's case-number check, against a
// fake server.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import Supervise from '../src/views/staff/Supervise.vue'
import { makeI18n } from './helpers.js'

function fakeFetch(handler) {
  const calls = []
  globalThis.fetch = vi.fn(async (url) => {
    calls.push(url)
    const [status, body] = handler(url)
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    })
  })
  return calls
}

const settle = async () => {
  await flushPromises()
  await nextTick()
}

describe('supervision page', () => {
  const realFetch = globalThis.fetch
  afterEach(() => {
    globalThis.fetch = realFetch
    document.body.innerHTML = ''
  })

  it('shows a damaged audit trail with its first bad record', async () => {
    fakeFetch(() => [200, { ok: false, records: 12, streams: 3, checkpoints: 1, unsigned_records: 2, problems: 1, last_checkpoint: null, first_bad: { id: 'r1', stream: 'case-A', seq: 2, reason: 'hash_mismatch', message: 'the record was edited' } }])
    const wrapper = mount(Supervise, { global: { plugins: [makeI18n('zh-CN')] }, attachTo: document.body })
    await wrapper.find('[data-test="verify"]').trigger('click')
    await settle()
    const result = wrapper.find('[data-test="audit-result"]')
    expect(result.text()).toContain('审计链已被改动')
    expect(result.text()).toContain('记录 12 条')
    expect(wrapper.find('[data-test="first-bad"]').text()).toContain('case-A 第 2 条（hash_mismatch）')
    wrapper.unmount()
  })

  it('checks the numbers of the chosen day and lists void and unaccounted ones', async () => {
    const calls = fakeFetch(() => [200, {
      date: '2026-03-04', scope: '460000', ok: false,
      regions: [{ region: '460100', issued: 3, on_cases: 1, void: [{ number: '460100-20260304-000002', case_id: 'c-2' }], unaccounted: ['460100-20260304-000003'], inconsistent: [], ok: false }],
    }])
    const wrapper = mount(Supervise, { global: { plugins: [makeI18n('zh-CN')] }, attachTo: document.body })
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(calls[0]).toMatch(/^\/api\/v1\/audit\/numbers\?date=\d{4}-\d{2}-\d{2}$/)
    const result = wrapper.find('[data-test="numbers-result"]')
    expect(result.text()).toContain('存在问题')
    expect(result.text()).toContain('460100-20260304-000002：由案件 c-2 领取，未提交成功')
    expect(result.text()).toContain('460100-20260304-000003')
    wrapper.unmount()
  })

  it('says so when no number was issued, and shows a bad date as a problem', async () => {
    let answer = [200, { date: '2026-03-05', scope: '460100', ok: true, regions: [] }]
    fakeFetch(() => answer)
    const wrapper = mount(Supervise, { global: { plugins: [makeI18n('zh-CN')] }, attachTo: document.body })
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('[data-test="numbers-result"]').text()).toContain('当日本辖区未发出案件编号')
    answer = [422, { type: 'about:blank', title: 'Unprocessable', status: 422, code: 'validation_failed', errors: [{ field: 'date', code: 'format', message: 'YYYY-MM-DD' }] }]
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(wrapper.find('[data-test="numbers-result"]').exists()).toBe(false)
    expect(wrapper.find('.el-alert--error').exists()).toBe(true)
    wrapper.unmount()
  })
})
