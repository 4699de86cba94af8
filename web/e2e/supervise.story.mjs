// 秒批 in the browser: 张三 applies for 无犯罪记录证明 over the API and is approved at once; on his
// case page he sees that the decision was automatic, with the rules' summary and the conditions
// checked. The demo supervisor opens 监督核查 from the header, verifies the audit trail (intact),
// checks today's case numbers (all accounted for), and replays the case's 秒批 decision by its
// number (the recorded inputs give the same decision). Screenshots in e2e/artifacts (41..).
import { assert, newPage, screenshot } from './harness.mjs'

export const name = 'supervise: audit trail, case numbers, 秒批 replay'

const ITEM = '002001001000460100HKGAJ' // 无犯罪记录证明, auto_approval with the demo registry
const PASSWORD = 'Wangban@2026' // demo accounts

let shot = 40
const snap = (page, label) => screenshot(page, `${++shot}-${label}`)

async function call(baseUrl, method, path, token, body) {
  const r = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  assert(r.ok, `${method} ${path} answers ${r.status}: ${text}`)
  return JSON.parse(text)
}

// 张三's application, decided by the rules when submitted; returns the case.
async function applyForCertificate(baseUrl) {
  const { token } = await call(baseUrl, 'POST', '/api/v1/sessions', null, { account: '13800000001', password: PASSWORD })
  const form = { applicant_name: '张三', id_number: '460100199001011230', phone: '13800000001', purpose: '就业', receiving_unit: '海口示例科技有限公司' }
  const created = await call(baseUrl, 'POST', '/api/v1/cases', token, { item_code: ITEM, form })
  await call(baseUrl, 'PUT', `/api/v1/cases/${created.id}/materials/M01`, token, { license_id: 'SFZ-460100' })
  const submitted = await call(baseUrl, 'POST', `/api/v1/cases/${created.id}/submit`, token, { commitment_signed: true })
  assert(submitted.status === 'approved', `the rules approve the certificate at once, got ${submitted.status}`)
  return submitted
}

async function login(page, account) {
  await page.goto('/login')
  await page.getByTestId('login-account').fill(account)
  await page.getByTestId('login-password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-name').waitFor()
}

export async function run({ browser, baseUrl }) {
  shot = 40
  const decided = await applyForCertificate(baseUrl)
  const number = decided.number
  const applicant = await newPage(browser, baseUrl)
  const { context, page } = await newPage(browser, baseUrl)
  try {
    // 张三 sees why: an automatic decision, its summary, the conditions checked.
    await login(applicant.page, '13800000001')
    await applicant.page.goto(`/my/cases/${decided.id}`)
    const decision = (await applicant.page.getByTestId('decision').innerText()).trim()
    assert(decision.startsWith('准予许可（秒批') && decision.includes('秒批通过'), `the case shows the automatic decision with its summary, got “${decision}”`)
    const explained = await applicant.page.getByTestId('rules-explained').innerText()
    assert(explained.includes('申请人年满16周岁') && explained.includes('满足'), `the conditions checked are listed, got “${explained}”`)
    await snap(applicant.page, 'applicant-auto-decision')
    assert(applicant.page.errors.length === 0, `no console errors (applicant), got:\n${applicant.page.errors.join('\n')}`)

    await login(page, 'supervisor')
    await page.locator('.wb-nav a[href="/supervise"]').click()
    await page.waitForURL(/\/supervise$/)

    await page.getByTestId('verify').click()
    const audit = page.getByTestId('audit-result')
    await audit.getByText('审计链完整').waitFor()

    await page.getByTestId('check-numbers').click()
    const numbers = page.getByTestId('numbers-result')
    await numbers.getByText('全部可查').waitFor()
    const region = await numbers.locator('tr', { hasText: '460100' }).innerText()
    assert(/460100\s+[1-9]/.test(region), `today's numbers of 460100 are listed, got “${region}”`)

    await page.locator('#wb-replay-number').fill(number)
    await page.getByTestId('replay').click()
    const replay = page.getByTestId('replay-result')
    await replay.getByText('全部可以复现').waitFor()
    const text = await replay.innerText()
    assert(text.includes('自动审批决定') && text.includes('一致'), `the replay shows the automatic decision as reproduced, got “${text}”`)
    assert(text.includes('准予（秒批）（条件全部满足）'), `recorded and replayed: approve, all conditions true; got “${text}”`)
    assert(text.includes('申请人年满16周岁'), `the conditions are listed, got “${text}”`)
    await snap(page, 'supervise')

    assert(page.errors.length === 0, `no console errors, got:\n${page.errors.join('\n')}`)
  } finally {
    await applicant.context.close()
    await context.close()
  }
}
