// The workbench's case page against a fake server: the clock card names the limit in working
// days, and a limit of 0 (an item promised at once) as 即办件 rather than "0 个工作日".
import { describe, expect, it } from 'vitest'
import WorkCase from '../src/views/staff/WorkCase.vue'
import { fakeFetch, mountPage, restoreFetchAfterEach } from './helpers.js'

function caseWithLimit(days) {
  return {
    id: 'c-1', number: '460100-20260304-000001', item_code: '000000000000460100TEST', item_name: '测试事项', status: 'in_review',
    form: {}, materials: [], timeline: [], tasks: [], due_date: '2026-03-04',
    clock: { state: 'running', limit_days: days, used_days: 0, remaining_days: days, due_date: '2026-03-04' },
  }
}

async function mountWith(body) {
  fakeFetch((url) => (url.startsWith('/api/v1/cases/') ? [200, body] : [404, { status: 404, code: 'not_found', title: 'Not Found' }]))
  const { wrapper } = await mountPage(WorkCase, {
    routes: [{ path: '/work/cases/:id', component: WorkCase }, { path: '/:rest(.*)', component: { template: '<div />' } }],
    path: '/work/cases/c-1',
  })
  return wrapper
}

describe('workbench case page: the clock card', () => {
  restoreFetchAfterEach()

  it('names the limit in working days', async () => {
    const wrapper = await mountWith(caseWithLimit(20))
    expect(wrapper.find('[data-test="limit-days"]').text()).toBe('20 个工作日')
    wrapper.unmount()
  })

  it('calls a limit of 0 an item handled at once', async () => {
    const wrapper = await mountWith(caseWithLimit(0))
    expect(wrapper.find('[data-test="limit-days"]').text()).toBe('即办件')
    wrapper.unmount()
  })
})
