// The portal story (needs the identity and catalog routes): register a person, log out and log
// in again, search 施工许可, open the guide of 建筑工程施工许可 and check its elements.
import { assert, newPage, randomIdNumber, randomPhone, screenshot } from './harness.mjs'

export const name = 'portal: register, log in, search, read a guide'

export async function run({ browser, baseUrl }) {
  const { context, page } = await newPage(browser, baseUrl)
  try {
    const password = 'Hk-e2e-2026!'
    const person = { name: '王五', id: randomIdNumber(), phone: randomPhone() }

    // Home
    await page.goto('/')
    await page.getByTestId('home-search').waitFor()
    await screenshot(page, '01-home')

    // Register a person: the client checks first (a bad ID number shows beside its field).
    await page.goto('/register')
    await page.locator('#reg-name').fill(person.name)
    await page.locator('#reg-id').fill('460100199001011234')
    await page.locator('#reg-id').blur()
    await page.locator('[data-field="id_number"] .el-form-item__error').waitFor()
    await page.locator('#reg-id').fill(person.id)
    await page.locator('#reg-phone').fill(person.phone)
    await page.locator('#reg-password').fill(password)
    await page.locator('#reg-password2').fill(password)
    await screenshot(page, '02-register')
    await page.getByTestId('register-submit').click()
    await page.getByTestId('user-name').filter({ hasText: person.name }).waitFor()
    await screenshot(page, '03-registered')

    // Registering the same phone again: the server's field error shows beside the phone.
    await page.getByTestId('logout').click()
    await page.getByTestId('login-link').waitFor()
    await page.goto('/register')
    await page.locator('#reg-name').fill('赵六')
    await page.locator('#reg-id').fill(randomIdNumber())
    await page.locator('#reg-phone').fill(person.phone)
    await page.locator('#reg-password').fill(password)
    await page.locator('#reg-password2').fill(password)
    await page.getByTestId('register-submit').click()
    await page.locator('[data-field="phone"] .el-form-item__error').waitFor()
    await screenshot(page, '04-register-taken')

    // Log in with the phone
    await page.goto('/login')
    await page.getByTestId('login-account').fill(person.phone)
    await page.getByTestId('login-password').fill(password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('user-name').filter({ hasText: person.name }).waitFor()

    // Search 施工许可 from the home page
    await page.goto('/')
    await page.getByTestId('home-search').fill('施工许可')
    await page.getByTestId('home-search-button').click()
    await page.waitForURL(/\/search\?q=/)
    const result = page.locator('[data-test="search-results"] a', { hasText: '建筑工程施工许可' }).first()
    await result.waitFor()
    await screenshot(page, '05-search')

    // The guide
    await result.click()
    await page.getByTestId('guide-name').filter({ hasText: '建筑工程施工许可' }).waitFor()
    for (const section of ['basic', 'conditions', 'materials', 'fees', 'result', 'legalBasis', 'faq']) {
      assert(await page.locator(`[data-section="${section}"]`).isVisible(), `guide section ${section} is shown`)
    }
    const text = await page.locator('.guide').innerText()
    for (const expected of [
      '000107001000460100HKZJJ', // implementation code
      '海口市住房和城乡建设局',
      '7 个工作日', // legal limit
      '3 个工作日', // promised limit
      '全程网办',
      '12319', // consult and complaint phones
      '依法应当办理用地批准手续的', // a condition
      '建设工程规划许可证', // a material replaceable by an e-license
      '电子证照：建设工程规划许可证',
      '可告知承诺', // M06 may be replaced by a commitment
      '不收费',
      '《中华人民共和国建筑法》',
      '建筑工程施工许可证', // result
      '哪些工程不需要办理施工许可？', // FAQ
    ]) {
      assert(text.includes(expected), `the guide shows “${expected}”`)
    }
    await screenshot(page, '06-guide')

    // The same guide at a phone's width (掌上办)
    await page.setViewportSize({ width: 390, height: 844 })
    await page.getByTestId('guide-name').waitFor()
    await screenshot(page, '07-guide-mobile')

    assert(page.errors.length === 0, `no console errors, got:\n${page.errors.join('\n')}`)
  } finally {
    await context.close()
  }
}
