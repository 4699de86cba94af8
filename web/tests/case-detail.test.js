// The applicant's case page with a 秒批 decision, against a fake server: the decision says it was
// automatic, with the rules' summary, and lists the conditions checked without their comparisons.
import { describe, expect, it } from 'vitest'
import CaseDetail from '../src/views/cases/CaseDetail.vue'
import { fakeFetch, mountPage, restoreFetchAfterEach } from './helpers.js'

const decided = {
  id: 'c-1', number: '460100-20260304-000001', item_code: '002001001000460100HKGAJ', status: 'approved',
  form: {}, materials: [], timeline: [], tasks: [], due_date: '2026-03-04', clock: null,
  decision: {
    result: 'approved', by: 'rules', automatic: true, at: '2026-03-04T10:00:00.000+08:00',
    rules: {
      decision: 'approve', reason: 'all_conditions_true', summary: '全部4项条件满足，秒批通过', rule_set_version: 1,
      conditions: [
        { id: 'age_16', label: '申请人年满16周岁', result: true, reason: 'age(form.id_number) (36) >= 16' },
        { id: 'purpose_listed', label: '查询用途为规定用途之一', result: true, reason: 'form.purpose ("就业") in [...]' },
      ],
    },
  },
}

describe('my case with a 秒批 decision', () => {
  restoreFetchAfterEach()

  it('explains the automatic decision with the conditions checked', async () => {
    fakeFetch((url) => (url.startsWith('/api/v1/cases/') ? [200, decided] : [404, { status: 404, code: 'not_found', title: 'Not Found' }]))
    const { wrapper } = await mountPage(CaseDetail, {
      routes: [{ path: '/my/cases/:id', component: CaseDetail }, { path: '/my/cases', component: { template: '<div />' } }],
      path: '/my/cases/c-1',
    })
    expect(wrapper.find('[data-test="decision"]').text()).toBe('准予许可（秒批，系统自动审批）：全部4项条件满足，秒批通过')
    const explained = wrapper.find('[data-test="rules-explained"]')
    expect(explained.text()).toContain('申请人年满16周岁')
    expect(explained.text()).toContain('满足')
    expect(explained.text()).not.toContain('age(form.id_number)')
    wrapper.unmount()
  })
})
