// Component tests: the schema form renderer (labels, live validation, server errors) and the
// registration and login pages against a fake fetch that answers problem+json.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { ref } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import SchemaForm from '../src/components/SchemaForm.vue'
import Register from '../src/views/auth/Register.vue'
import Login from '../src/views/auth/Login.vue'
import { catalogItem, makeI18n } from './helpers.js'
import { emptyModel } from '../src/lib/schema.js'

const schema = catalogItem('052').form_schema

async function mountForm(props = {}) {
  const model = ref(emptyModel(schema))
  const wrapper = mount(SchemaForm, {
    props: { schema, modelValue: model.value, ...props },
    global: { plugins: [makeI18n('zh-CN')] },
    attachTo: document.body,
  })
  await flushPromises() // Element Plus links inputs to their labels after mounting
  return { wrapper, model }
}

// Element Plus shows a form item's error 100 ms after it is set (a debounce).
const settle = async () => {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 150))
  await flushPromises()
}
const errorAt = (wrapper, path) => wrapper.find(`[data-field="${path}"] .el-form-item__error`)

describe('SchemaForm', () => {
  it('renders a labelled input for every leaf and a fieldset for every object', async () => {
    const { wrapper } = await mountForm()
    const legends = wrapper.findAll('legend').map((l) => l.text().replace(/\s*\*$/, ''))
    expect(legends).toEqual(['法定代表人', '建设地点'])
    for (const [path, label] of [['company_name', '建设单位名称'], ['legal_representative.id_number', '公民身份号码'], ['planned_start', '计划开工日期']]) {
      const item = wrapper.find(`[data-field="${path}"]`)
      const lab = item.find('label')
      expect(lab.text()).toBe(label)
      const id = lab.attributes('for')
      expect(id).toBeTruthy()
      expect(wrapper.find(`#${id}`).exists(), `${path}: an input with id ${id}`).toBe(true)
    }
    // four districts: radio buttons; three delivery modes: radios too
    expect(wrapper.findAll('[data-field="project_address.district"] input[type="radio"]').length).toBe(4)
    wrapper.unmount()
  })

  it('shows a field\'s error once it is left, and clears it when fixed', async () => {
    const { wrapper, model } = await mountForm()
    const input = wrapper.find('#f-contact_phone')
    await input.setValue('1380000')
    expect(errorAt(wrapper, 'contact_phone').exists()).toBe(false)
    await input.trigger('blur')
    await settle()
    expect(errorAt(wrapper, 'contact_phone').text()).toBe('请填写 11 位手机号码')
    await input.setValue('13800000002')
    await settle()
    expect(model.value.contact_phone).toBe('13800000002')
    expect(errorAt(wrapper, 'contact_phone').exists()).toBe(false)
    wrapper.unmount()
  })

  it('validates everything on demand, mirroring the server', async () => {
    const { wrapper } = await mountForm({ showAll: true })
    const errors = wrapper.vm.validate()
    expect(errors.map((e) => e.field)).toContain('legal_representative.name')
    await settle()
    expect(errorAt(wrapper, 'company_name').text()).toBe('必填')
    expect(errorAt(wrapper, 'project_address.district').text()).toBe('必填')
    wrapper.unmount()
  })

  it('shows the server\'s errors beside their fields until the field is edited', async () => {
    const { wrapper } = await mountForm({ serverErrors: { project_name: '项目名称已被使用' } })
    await settle()
    expect(errorAt(wrapper, 'project_name').text()).toBe('项目名称已被使用')
    await wrapper.find('#f-project_name').setValue('另一个项目')
    await settle()
    expect(errorAt(wrapper, 'project_name').exists()).toBe(false)
    wrapper.unmount()
  })
})

function fakeFetch(handler) {
  const calls = []
  globalThis.fetch = vi.fn(async (url, init) => {
    calls.push({ url, init, body: init.body ? JSON.parse(init.body) : undefined })
    const [status, body] = handler(url, init)
    return new Response(body === null ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    })
  })
  return calls
}

async function mountPage(component, path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div>home</div>' } },
      { path: '/register', component: Register },
      { path: '/login', component: Login },
    ],
  })
  router.push(path)
  await router.isReady()
  const wrapper = mount(component, { global: { plugins: [makeI18n('zh-CN'), router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

describe('registration and login pages', () => {
  const realFetch = globalThis.fetch
  beforeEach(() => localStorage.clear())
  afterEach(() => {
    globalThis.fetch = realFetch
    document.body.innerHTML = ''
  })

  async function fillPerson(wrapper, overrides = {}) {
    const v = { '#reg-name': '王五', '#reg-id': '11010519491231002X', '#reg-phone': '13900000009', '#reg-password': 'Hk-e2e-2026!', '#reg-password2': 'Hk-e2e-2026!', ...overrides }
    for (const [sel, value] of Object.entries(v)) await wrapper.find(sel).setValue(value)
  }

  it('checks fields in the browser before sending anything', async () => {
    const calls = fakeFetch(() => [500, {}])
    const { wrapper } = await mountPage(Register, '/register')
    await fillPerson(wrapper, { '#reg-id': '110105194912310021', '#reg-password2': 'other-password' })
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(calls.length).toBe(0)
    expect(errorAt(wrapper, 'id_number').text()).toBe('校验码不正确，请核对')
    expect(errorAt(wrapper, 'password_confirm').text()).toBe('两次输入的密码不一致')
  })

  it('puts the server\'s field errors beside the fields and sends the CSRF header', async () => {
    const calls = fakeFetch((url) =>
      url === '/api/v1/persons'
        ? [409, { type: 'x', title: 'Conflict', status: 409, code: 'already_registered', errors: [{ field: 'phone', code: 'taken', message: 'an account with this phone number exists' }, { field: 'name', code: 'real_name_mismatch', message: 'the name does not match' }] }]
        : [500, {}],
    )
    const { wrapper } = await mountPage(Register, '/register')
    await fillPerson(wrapper)
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(calls[0].init.method).toBe('POST')
    expect(calls[0].init.headers['X-Requested-With']).toBe('XMLHttpRequest')
    expect(calls[0].init.credentials).toBe('same-origin')
    expect(calls[0].body).toEqual({ name: '王五', id_number: '11010519491231002X', phone: '13900000009', password: 'Hk-e2e-2026!' })
    expect(errorAt(wrapper, 'phone').text()).toBe('已被注册')
    expect(errorAt(wrapper, 'name').text()).toBe('姓名与身份信息不一致')
    // editing the field takes its server error away
    await wrapper.find('#reg-phone').setValue('13900000010')
    await settle()
    expect(errorAt(wrapper, 'phone').exists()).toBe(false)
  })

  it('registers a company with its legal representative, then logs in with the code', async () => {
    const calls = fakeFetch((url) => {
      if (url === '/api/v1/companies') return [422, { title: 'Unprocessable', status: 422, code: 'validation_failed', errors: [{ field: 'legal_representative.id_number', code: 'region', message: 'ID number has an unknown region code' }] }]
      return [500, {}]
    })
    const { wrapper } = await mountPage(Register, '/register?kind=company')
    for (const [sel, value] of Object.entries({ '#reg-cname': '海口示例有限公司', '#reg-uscc': '91350100m000100y43', '#reg-lr-name': '张三', '#reg-lr-id': '11010519491231002X', '#reg-cphone': '13800000001', '#reg-cpassword': 'Hk-e2e-2026!', '#reg-cpassword2': 'Hk-e2e-2026!' })) {
      await wrapper.find(sel).setValue(value)
    }
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(calls[0].body.uscc).toBe('91350100M000100Y43')
    expect(calls[0].body.legal_representative).toEqual({ name: '张三', id_number: '11010519491231002X' })
    expect(errorAt(wrapper, 'legal_representative.id_number').text()).toBe('地区代码不正确')
    expect(wrapper.find('[data-test="problem"]').text()).toContain('填写的信息有误')
  })

  it('logs in and shows a translated 401', async () => {
    const calls = fakeFetch(() => [401, { title: 'Unauthorized', status: 401, code: 'bad_credentials' }])
    const { wrapper } = await mountPage(Login, '/login')
    await wrapper.find('[data-test="login-account"]').setValue('13800000001')
    await wrapper.find('[data-test="login-password"]').setValue('wrong-password')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls[0].url).toBe('/api/v1/sessions')
    expect(calls[0].body).toEqual({ account: '13800000001', password: 'wrong-password' })
    expect(wrapper.find('[data-test="problem"]').text()).toContain('账号或密码不正确')
  })
})
