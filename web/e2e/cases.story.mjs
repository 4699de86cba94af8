// The acceptance story of a case, in one go, all through the UI: a person registers, finds
// 股权出质登记 with the search box, reads the guide, applies through the wizard (live validation,
// draft and resumable URL, three PDF uploads, review, authenticity commitment, case number);
// the window clerk asks for one correction (M02 with a reason); the same person sees exactly
// that notice, uploads a new file and resubmits; the clerk accepts; the approver approves; the
// person sees 准予许可 in My cases. A screenshot of every page, numbered, in e2e/artifacts.
import { assert, newPage, randomIdNumber, randomPhone, screenshot } from './harness.mjs'

export const name = 'cases: register, search, apply, supplement, resubmit, accept, approve'

const ITEM = '001006008000460100HKSCJG' // 股权出质登记, HK-SCJG (the demo approver's), standard_approval
const ITEM_NAME = '股权出质登记'
const QUERY = '股权出质'
const STAFF_PASSWORD = 'Wangban@2026' // the demo staff accounts
const REASON = '质押合同缺少质权人盖章页，请上传盖章后的完整合同'
const OPINION = '请按一次性告知补正'
const pdf = (label) => ({ name: `${label}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% ${label}\n%%EOF\n`) })

// Screenshots numbered in the order of the story (11.. so they sort after the portal story's).
let shot = 10
const snap = (page, label) => screenshot(page, `${++shot}-${label}`)

async function staffLogin(page, account) {
  await page.goto('/login')
  await page.getByTestId('login-account').fill(account)
  await page.getByTestId('login-password').fill(STAFF_PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-name').waitFor()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

// The workbench row of the case, then the case page with the task claimed.
async function openTask(page, number, label) {
  await page.goto('/work/tasks')
  const row = page.locator('[data-test="tasks"] tr', { hasText: number })
  await row.waitFor()
  if (label) await snap(page, label)
  await row.getByRole('button', { name: /办理/ }).click()
  await page.getByTestId('actions').waitFor()
  if (await page.getByTestId('claim').isVisible()) {
    await page.getByTestId('claim').click()
  }
  await page.locator('[data-outcome]').first().waitFor()
}

// My cases through the header link (reloaded when already there): the row of the case shows the status.
async function myCasesRow(page, number, status) {
  if (new URL(page.url()).pathname === '/my/cases') await page.reload() // the link would not reload it
  else await page.locator('.wb-nav a[href="/my/cases"]').click()
  await page.waitForURL(/\/my\/cases$/)
  const row = page.locator('[data-test="my-cases"] tr', { hasText: number })
  await row.locator(`[data-status="${status}"]`).waitFor()
  return row
}

export async function run({ browser, baseUrl }) {
  shot = 10
  // The item must be open to a person and handled by the demo approver's department.
  const r = await fetch(`${baseUrl}/api/v1/items/${ITEM}`)
  assert(r.ok, `GET /api/v1/items/${ITEM} answers ${r.status}`)
  const item = await r.json()
  assert(item.name === ITEM_NAME, `the item is ${ITEM_NAME}, got ${item.name}`)
  assert(Array.isArray(item.audience) && item.audience.includes('person'), `the item accepts a person, audience ${JSON.stringify(item.audience)}`)
  assert(item.department === 'HK-SCJG', `the item belongs to HK-SCJG (the demo approver), got ${JSON.stringify(item.department)}`)

  const applicant = await newPage(browser, baseUrl)
  const staff = []
  try {
    const page = applicant.page
    const password = 'Hk-e2e-2026!'
    const person = { name: '孙小燕', id: randomIdNumber(), phone: randomPhone() }

    // A person registers (from the header link) and lands on the home page, logged in.
    await page.goto('/')
    await page.getByTestId('home-search').waitFor()
    await page.locator('.wb-user a[href="/register"]').click()
    await page.waitForURL(/\/register$/)
    await page.locator('#reg-name').fill(person.name)
    await page.locator('#reg-id').fill(person.id)
    await page.locator('#reg-phone').fill(person.phone)
    await page.locator('#reg-password').fill(password)
    await page.locator('#reg-password2').fill(password)
    await snap(page, 'register')
    await page.getByTestId('register-submit').click()
    await page.getByTestId('user-name').filter({ hasText: person.name }).waitFor()
    await page.getByTestId('home-search').waitFor()
    await snap(page, 'registered-home')

    // Finds the item with the search box and opens the guide from the result.
    await page.getByTestId('home-search').fill(QUERY)
    await page.getByTestId('home-search-button').click()
    await page.waitForURL(/\/search\?q=/)
    const result = page.locator(`[data-test="search-results"] [data-code="${ITEM}"] a`, { hasText: ITEM_NAME })
    await result.waitFor()
    await snap(page, 'search')
    await result.click()
    await page.getByTestId('guide-name').filter({ hasText: ITEM_NAME }).waitFor()
    assert(page.url().includes(`/items/${ITEM}`), `the result opens the guide of ${ITEM}, at ${page.url()}`)
    const guide = await page.locator('.guide').innerText()
    for (const expected of [ITEM, '质押合同', '出质人、质权人主体资格证明']) assert(guide.includes(expected), `the guide shows “${expected}”`)
    await snap(page, 'guide')

    // The wizard: live validation — a bad phone shows its error once left, fixing it clears it.
    await page.getByTestId('apply').click()
    await page.waitForURL(new RegExp(`/apply/${ITEM}$`))
    await page.locator('#f-company_name').waitFor()
    await page.locator('#f-contact_phone').fill('1380000')
    await page.locator('#f-contact_phone').blur()
    await page.locator('[data-field="contact_phone"] .el-form-item__error').waitFor()
    await page.locator('#f-company_name').fill('海口示例科技有限公司')
    await page.locator('#f-company_uscc').fill('91350100M000100Y43')
    await page.locator('#f-pledgor').fill(person.name)
    await page.locator('#f-pledgee').fill('海口示例银行')
    await page.locator('#f-amount').fill('50')
    await page.locator('#f-contact_phone').fill(person.phone)
    await page.locator('#f-contact_phone').blur()
    await page.locator('[data-field="contact_phone"] .el-form-item__error').waitFor({ state: 'detached' })
    await snap(page, 'apply-form')

    // Next: the draft is created and the URL becomes resumable.
    await page.getByTestId('next').click()
    await page.waitForURL(/\/my\/cases\/[^/]+\/edit$/)
    const caseId = page.url().split('/').slice(-2)[0]

    // Materials: three PDF uploads with progress.
    for (const [code, label] of [['M01', '申请书'], ['M02', '质押合同'], ['M03', '主体资格证明']]) {
      const block = page.locator(`[data-material="${code}"]`)
      await block.locator('.el-radio', { hasText: '上传文件' }).click()
      await page.locator(`#file-${code}`).setInputFiles(pdf(label))
      await block.getByTestId('material-done').filter({ hasText: `${label}.pdf` }).waitFor()
    }
    await snap(page, 'apply-materials')
    await page.getByTestId('next').click()
    await page.locator('[data-step="review"]').waitFor({ state: 'visible' })
    await snap(page, 'apply-review')
    await page.getByTestId('next').click()
    await page.locator('[data-step="submit"]').waitFor({ state: 'visible' })
    assert(await page.getByTestId('submit').isDisabled(), 'submitting needs the authenticity commitment')
    await page.getByTestId('commitment').click()
    await page.getByTestId('submit').click()
    const number = (await page.getByTestId('case-number').innerText()).trim()
    assert(number.length > 0, 'a case number is shown')
    await snap(page, 'apply-submitted')
    await myCasesRow(page, number, 'submitted')
    await snap(page, 'my-cases-submitted')

    // The window clerk asks for one correction: M02, with a reason.
    const window = await newPage(browser, baseUrl)
    staff.push(window)
    await staffLogin(window.page, 'window')
    await openTask(window.page, number, 'window-tasks')
    await window.page.locator('[data-outcome="request_supplement"]').click()
    await window.page.locator('.work-missing .el-checkbox', { hasText: 'M02' }).click()
    await window.page.locator('#reason-M02').fill(REASON)
    await window.page.locator('#work-opinion').fill(OPINION)
    await snap(window.page, 'window-supplement')
    await window.page.getByTestId('complete').click()
    await window.page.getByText('已提交办理结果').waitFor()

    // The person sees exactly that notice: one material, M02, with the clerk's reason.
    await myCasesRow(page, number, 'supplement_requested')
    await snap(page, 'my-cases-supplement')
    await page.goto(`/my/cases/${caseId}`)
    const notice = page.getByTestId('supplement-notice')
    await notice.waitFor()
    const items = await notice.locator('li').allInnerTexts()
    assert(items.length === 1, `the notice names one material, got ${JSON.stringify(items)}`)
    assert(items[0].includes('M02') && items[0].includes('质押合同') && items[0].includes(REASON), `the notice names M02 with the reason, got ${items[0]}`)
    assert((await notice.innerText()).includes(OPINION), 'the notice carries the opinion')
    await snap(page, 'case-supplement')

    // Fixes it: the wizard opens with the same notice; a new M02 file; resubmit.
    await page.getByTestId('supplement-link').click()
    await page.waitForURL(/\/my\/cases\/[^/]+\/edit$/)
    const wizardNotice = page.getByTestId('supplement-notice')
    await wizardNotice.waitFor()
    assert((await wizardNotice.innerText()).includes(REASON), 'the wizard shows the notice')
    await snap(page, 'resubmit-notice')
    await page.getByTestId('next').click()
    await page.locator('[data-step="materials"]').waitFor({ state: 'visible' })
    await page.locator('#file-M02').setInputFiles(pdf('质押合同（盖章）'))
    await page.locator('[data-material="M02"]').getByTestId('material-done').filter({ hasText: '质押合同（盖章）.pdf' }).waitFor()
    await snap(page, 'resubmit-materials')
    await page.getByTestId('next').click()
    await page.locator('[data-step="review"]').waitFor({ state: 'visible' })
    await page.getByTestId('next').click()
    await page.getByTestId('commitment').click()
    await page.getByTestId('submit').click()
    await page.getByTestId('submitted').waitFor()
    await snap(page, 'resubmitted')

    // The clerk accepts.
    await openTask(window.page, number)
    await window.page.locator('[data-outcome="accept"]').click()
    await snap(window.page, 'window-accept')
    await window.page.getByTestId('complete').click()
    await window.page.getByText('已提交办理结果').waitFor()

    // The approver (HK-SCJG) approves.
    const approver = await newPage(browser, baseUrl)
    staff.push(approver)
    await staffLogin(approver.page, 'approver')
    await approver.page.getByTestId('user-name').filter({ hasText: 'HK-SCJG' }).waitFor()
    await openTask(approver.page, number, 'approver-tasks')
    await approver.page.locator('[data-outcome="approve"]').click()
    await approver.page.locator('#work-opinion').fill('材料齐全，准予登记')
    await snap(approver.page, 'approver-case')
    await approver.page.getByTestId('complete').click()
    await approver.page.getByText('已提交办理结果').waitFor()

    // The person sees the decision: 准予许可 in My cases and on the case.
    const row = await myCasesRow(page, number, 'approved')
    assert((await row.innerText()).includes('准予许可'), 'My cases shows 准予许可')
    await snap(page, 'my-cases-approved')
    await row.getByRole('link', { name: number }).click()
    await page.waitForURL(new RegExp(`/my/cases/${caseId}$`))
    await page.locator('[data-status="approved"]').first().waitFor()
    const decision = (await page.getByTestId('decision').innerText()).trim()
    assert(decision.startsWith('准予许可') && decision.includes('材料齐全，准予登记'), `the case shows the decision 准予许可 with the opinion, got “${decision}”`)
    await snap(page, 'case-approved')

    for (const p of [page, window.page, approver.page]) assert(p.errors.length === 0, `no console errors, got:\n${p.errors.join('\n')}`)
  } finally {
    await applicant.context.close()
    for (const s of staff) await s.context.close()
  }
}
