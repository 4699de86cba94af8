// Runs the browser stories against a real server: `npm run e2e` (WANGBAN_BINARY=build/wangban),
// or against one already running with E2E_BASE_URL. E2E_ONLY=portal runs the matching stories;
// a story whose routes the server lacks yet is skipped.
// Screenshots go to e2e/artifacts (or E2E_ARTIFACTS). Prints "N passed, N failed".
import { artifactsDir, launchBrowser, startServer } from './harness.mjs'
import * as portal from './portal.story.mjs'
import * as cases from './cases.story.mjs'

const stories = [portal, cases].filter((s) => !process.env.E2E_ONLY || s.name.includes(process.env.E2E_ONLY))

let passed = 0
let failed = 0
let skipped = 0
let server = null
let browser = null
try {
  server = await startServer()
  browser = await launchBrowser()
  for (const story of stories) {
    const started = Date.now()
    // A story whose routes the server does not serve yet is skipped, not failed.
    const notReady = story.ready ? await story.ready(server.baseUrl) : null
    if (notReady) {
      skipped++
      console.log(`skip - ${story.name}: ${notReady}`)
      continue
    }
    try {
      await story.run({ browser, baseUrl: server.baseUrl })
      passed++
      console.log(`ok - ${story.name} (${Date.now() - started} ms)`)
    } catch (e) {
      failed++
      console.log(`not ok - ${story.name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`)
    }
  }
} catch (e) {
  failed++
  console.log(`not ok - harness: ${e.message}`)
} finally {
  if (browser) await browser.close()
  if (server) {
    if (failed && process.env.E2E_SERVER_LOG !== '0') console.log(`--- server log (tail) ---\n${server.log().split('\n').slice(-30).join('\n')}`)
    await server.stop()
  }
}
console.log(`screenshots: ${artifactsDir()}`)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed ? 1 : 0)
