// The supervision page: audit trail verification, the day's case-number check and the replay of
// a case's 秒批 decision, against a fake server.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import Supervise from '../src/views/staff/Supervise.vue'
import { fakeFetch, makeI18n, restoreFetchAfterEach, settle } from './helpers.js'

describe('supervision page', () => {
  restoreFetchAfterEach()

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

  const record = (decision, reason) => ({
    decision, reason, summary: decision === 'approve' ? '条件全部满足，准予' : '不满足：查询用途为规定用途之一。转人工审查',
    item_code: '002001001000460100HKGAJ', rule_set_version: 1,
    inputs: { 'form.purpose': decision === 'approve' ? '就业' : '旅游', now: '2026-03-04' },
    conditions: [{ id: 'purpose_listed', label: '查询用途为规定用途之一', result: decision === 'approve', reason: 'form.purpose in [...]' }],
    lookups: [],
  })

  it('finds a case by its number and shows where its decision no longer replays', async () => {
    const calls = fakeFetch((url) => {
      if (url.startsWith('/api/v1/cases?')) return [200, { items: [{ id: 'c-1', number: '460100-20260304-000001' }], next_cursor: null }]
      return [200, {
        case_id: 'c-1', number: '460100-20260304-000001', item_code: '002001001000460100HKGAJ', status: 'approved', ok: false,
        replays: [{
          source: 'decision', at: '2026-03-04T10:00:00.000+08:00', rule_set_version: 1,
          recorded: { decision: 'approve', reason: 'all_conditions_true', summary: '条件全部满足，准予' },
          record: record('approve', 'all_conditions_true'), same: false,
          replayed: { decision: 'manual', reason: 'condition_false' },
          differences: ['/decision', '/conditions/0/result'], replayed_record: record('manual', 'condition_false'), error: null,
        }],
      }]
    })
    const wrapper = mount(Supervise, { global: { plugins: [makeI18n('zh-CN')] }, attachTo: document.body })
    await settle() // Element Plus gives the input its id once mounted
    await wrapper.find('#wb-replay-number').setValue('460100-20260304-000001')
    await wrapper.find('[data-test="replay-form"]').trigger('submit')
    await settle()
    expect(calls[0]).toBe('/api/v1/cases?number=460100-20260304-000001')
    expect(calls[1]).toBe('/api/v1/cases/c-1/decision/replay')
    const result = wrapper.find('[data-test="replay-result"]')
    expect(result.text()).toContain('记录与重算结果不一致')
    expect(result.text()).toContain('自动审批决定')
    expect(result.text()).toContain('不一致')
    expect(result.text()).toContain('准予（秒批）（条件全部满足）')
    expect(result.text()).toContain('转人工审查（有条件不满足）')
    expect(wrapper.find('[data-test="differences"]').text()).toContain('/conditions/0/result')
    expect(result.text()).toContain('查询用途为规定用途之一')
    wrapper.unmount()
  })

  it('says when no case has the number, and shows a case without a record as a problem', async () => {
    let found = false
    fakeFetch((url) => {
      if (url.startsWith('/api/v1/cases?')) return [200, { items: found ? [{ id: 'c-2' }] : [], next_cursor: null }]
      return [404, { type: 'about:blank', title: 'Not Found', status: 404, code: 'no_decision_record', detail: 'the case has no 秒批 decision record' }]
    })
    const wrapper = mount(Supervise, { global: { plugins: [makeI18n('zh-CN')] }, attachTo: document.body })
    await settle() // Element Plus gives the input its id once mounted
    await wrapper.find('#wb-replay-number').setValue('460100-20260304-000009')
    await wrapper.find('[data-test="replay-form"]').trigger('submit')
    await settle()
    expect(wrapper.find('[data-test="replay-missing"]').text()).toContain('未找到该编号的办件')
    found = true
    await wrapper.find('[data-test="replay-form"]').trigger('submit')
    await settle()
    expect(wrapper.find('[data-test="replay-missing"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="replay-result"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('该办件没有秒批决定记录')
    wrapper.unmount()
  })
})
