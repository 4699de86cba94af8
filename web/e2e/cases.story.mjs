// The case story (needs the cases, tasks and files routes): 张三 applies for 股权出质登记 through
// the wizard (live validation, draft, uploads, commitment), the window asks for one correction,
// 张三 sees exactly what to fix and resubmits, the window accepts and the approver approves.
import { assert, newPage, screenshot } from './harness.mjs'

export const name = 'cases: apply, supplement, resubmit, accept, approve'

const ITEM = '001006008000460100HKSCJG' // 股权出质登记, HK-SCJG, standard_approval
const PASSWORD = 'Wangban@2026'
const pdf = (label) => ({ name: `${label}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n% ${label}\n%%EOF\n`) })

// The routes this story needs answer 401 (not 404) to an anonymous request once they exist.
export async function ready(baseUrl) {
  for (const [method, path] of [['POST', '/api/v1/files'], ['GET', '/api/v1/tasks'], ['GET', '/api/v1/cases']]) {
    const r = await fetch(baseUrl + path, { method, headers: { 'X-Requested-With': 'XMLHttpRequest' } })
    if (r.status === 404) return `${method} ${path} is not served yet`
  }
  return null
}

async function login(page, account) {
  await page.goto('/login')
  await page.getByTestId('login-account').fill(account)
  await page.getByTestId('login-password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('user-name').waitFor()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

async function openTask(page, number) {
  await page.goto('/work/tasks')
  const row = page.locator('[data-test="tasks"] tr', { hasText: number })
  await row.waitFor()
  await row.getByRole('button', { name: /办理/ }).click()
  await page.getByTestId('actions').waitFor()
  if (await page.getByTestId('claim').isVisible()) {
    await page.getByTestId('claim').click()
  }
  await page.locator('[data-outcome]').first().waitFor()
}

export async function run({ browser, baseUrl }) {
  const applicant = await newPage(browser, baseUrl)
  const staff = []
  try {
    const page = applicant.page
    await login(page, '13800000001')

    // The guide, then the wizard
    await page.goto(`/items/${ITEM}`)
    await page.getByTestId('apply').click()
    await page.locator('#f-company_name').waitFor()

    // Live validation: a bad phone shows its error once the field is left; fixing it clears it
    await page.locator('#f-contact_phone').fill('1380000')
    await page.locator('#f-contact_phone').blur()
    await page.locator('[data-field="contact_phone"] .el-form-item__error').waitFor()
    await page.locator('#f-company_name').fill('海口示例科技有限公司')
    await page.locator('#f-company_uscc').fill('91350100M000100Y43')
    await page.locator('#f-pledgor').fill('张三')
    await page.locator('#f-pledgee').fill('海口示例银行')
    await page.locator('#f-amount').fill('50')
    await page.locator('#f-contact_phone').fill('13800000001')
    await page.locator('#f-contact_phone').blur()
    await page.locator('[data-field="contact_phone"] .el-form-item__error').waitFor({ state: 'detached' })
    await screenshot(page, '11-apply-form')

    // Next: the draft is created and the URL becomes resumable
    await page.getByTestId('next').click()
    await page.waitForURL(/\/my\/cases\/[^/]+\/edit$/)
    const caseId = page.url().split('/').slice(-2)[0]

    // Materials: three uploads with progress
    for (const [code, label] of [['M01', '申请书'], ['M02', '质押合同'], ['M03', '主体资格证明']]) {
      const block = page.locator(`[data-material="${code}"]`)
      await block.locator('.el-radio', { hasText: '上传文件' }).click()
      await page.locator(`#file-${code}`).setInputFiles(pdf(label))
      await block.getByTestId('material-done').waitFor()
    }
    await screenshot(page, '12-apply-materials')
    await page.getByTestId('next').click()
    await page.locator('[data-step="review"]').waitFor({ state: 'visible' })
    await screenshot(page, '13-apply-review')
    await page.getByTestId('next').click()
    await page.getByTestId('commitment').click()
    await page.getByTestId('submit').click()
    const number = (await page.getByTestId('case-number').innerText()).trim()
    assert(number.length > 0, 'a case number is shown')
    await screenshot(page, '14-apply-submitted')

    // The window asks for one correction
    const window = await newPage(browser, baseUrl)
    staff.push(window)
    await login(window.page, 'window')
    await openTask(window.page, number)
    await window.page.locator('[data-outcome="request_supplement"]').click()
    await window.page.locator('.work-missing .el-checkbox', { hasText: 'M02' }).click()
    await window.page.locator('#reason-M02').fill('质押合同缺少质权人盖章页，请上传盖章后的完整合同')
    await window.page.locator('#work-opinion').fill('请按一次性告知补正')
    await screenshot(window.page, '15-window-supplement')
    await window.page.getByTestId('complete').click()
    await window.page.getByText('已提交办理结果').waitFor()

    // 张三 sees exactly what to fix and resubmits
    await page.goto('/my/cases')
    await page.locator('[data-test="my-cases"] tr', { hasText: number }).locator('[data-status="supplement_requested"]').waitFor()
    await page.goto(`/my/cases/${caseId}`)
    const notice = page.getByTestId('supplement-notice')
    await notice.waitFor()
    assert((await notice.innerText()).includes('质押合同缺少质权人盖章页'), 'the notice says what to fix')
    await screenshot(page, '16-case-supplement')
    await page.getByTestId('supplement-link').click()
    await page.getByTestId('supplement-notice').waitFor()
    await page.getByTestId('next').click()
    await page.locator(`#file-M02`).setInputFiles(pdf('质押合同（盖章）'))
    await page.locator('[data-material="M02"]').getByTestId('material-done').waitFor()
    await page.getByTestId('next').click()
    await page.getByTestId('next').click()
    await page.getByTestId('commitment').click()
    await page.getByTestId('submit').click()
    await page.getByTestId('submitted').waitFor()

    // The window accepts, the approver approves
    await openTask(window.page, number)
    await window.page.locator('[data-outcome="accept"]').click()
    await window.page.getByTestId('complete').click()
    await window.page.getByText('已提交办理结果').waitFor()

    const approver = await newPage(browser, baseUrl)
    staff.push(approver)
    await login(approver.page, 'approver')
    await openTask(approver.page, number)
    await screenshot(approver.page, '17-approver-case')
    await approver.page.locator('[data-outcome="approve"]').click()
    await approver.page.locator('#work-opinion').fill('材料齐全，准予登记')
    await approver.page.getByTestId('complete').click()
    await approver.page.getByText('已提交办理结果').waitFor()

    await page.goto(`/my/cases/${caseId}`)
    await page.locator('[data-status="approved"], [data-status="concluded"]').first().waitFor()
    await screenshot(page, '18-case-approved')

    for (const p of [page, window.page, approver.page]) assert(p.errors.length === 0, `no console errors, got:\n${p.errors.join('\n')}`)
  } finally {
    await applicant.context.close()
    for (const s of staff) await s.context.close()
  }
}
