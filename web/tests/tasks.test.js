// The workbench's case lookup by number, against a fake server: a found case opens on the
// workbench; an unknown number and a malformed one say so.
import { describe, expect, it } from 'vitest'
import Tasks from '../src/views/staff/Tasks.vue'
import { fakeFetch, mountPage, restoreFetchAfterEach, settle } from './helpers.js'

function mountTasks() {
  return mountPage(Tasks, {
    routes: [
      { path: '/work/tasks', component: Tasks },
      { path: '/work/cases/:id', component: { template: '<div>case</div>' } },
    ],
    path: '/work/tasks',
  })
}

describe('workbench: find a case by its number', () => {
  restoreFetchAfterEach()

  it('opens the case that has the number', async () => {
    const calls = fakeFetch((url) => (url.startsWith('/api/v1/cases?') ? [200, { items: [{ id: 'c-9', number: '460100-20260304-000009' }], next_cursor: null }] : [200, { items: [] }]))
    const { wrapper, router } = await mountTasks()
    await wrapper.find('#t-number').setValue('460100-20260304-000009')
    await wrapper.find('[data-test="find-case"]').trigger('submit')
    await settle()
    expect(calls).toContain('/api/v1/cases?number=460100-20260304-000009')
    expect(router.currentRoute.value.path).toBe('/work/cases/c-9')
    wrapper.unmount()
  })

  it('says when no case has the number, and asks for a whole number first', async () => {
    const calls = fakeFetch((url) => (url.startsWith('/api/v1/cases?') ? [200, { items: [], next_cursor: null }] : [200, { items: [] }]))
    const { wrapper, router } = await mountTasks()
    await wrapper.find('#t-number').setValue('460100-2026')
    await wrapper.find('[data-test="find-case"]').trigger('submit')
    await settle()
    expect(wrapper.find('[data-test="find-message"]').text()).toContain('请输入完整的办件编号')
    expect(calls.some((u) => u.startsWith('/api/v1/cases?'))).toBe(false)
    await wrapper.find('#t-number').setValue('460100-20260304-000010')
    await wrapper.find('[data-test="find-case"]').trigger('submit')
    await settle()
    expect(wrapper.find('[data-test="find-message"]').text()).toContain('未找到该编号的办件')
    expect(router.currentRoute.value.path).toBe('/work/tasks')
    wrapper.unmount()
  })
})
