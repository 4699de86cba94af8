// Runs the browser stories against a real server: `npm run e2e` (WANGBAN_BINARY=build/wangban),
// or against one already running with E2E_BASE_URL. E2E_ONLY=portal runs the matching stories.
// Nothing is skipped: a story may export ready(baseUrl) to check what it needs first, and a
// reason it returns fails the story (a skip would hide a regression).
// Screenshots go to e2e/artifacts (or E2E_ARTIFACTS); a full run first removes the numbered
// screenshots of earlier runs, so the folder shows this run only. Prints "N passed, N failed".
import fs from 'node:fs'
import path from 'node:path'
import { artifactsDir, launchBrowser, startServer } from './harness.mjs'
import * as portal from './portal.story.mjs'
import * as cases from './cases.story.mjs'
import * as supervise from './supervise.story.mjs'

const stories = [portal, cases, supervise].filter((s) => !process.env.E2E_ONLY || s.name.includes(process.env.E2E_ONLY))

if (!process.env.E2E_ONLY) {
  const dir = artifactsDir()
  for (const f of fs.readdirSync(dir)) if (/^\d{2}-.+\.png$/.test(f)) fs.rmSync(path.join(dir, f))
}

let passed = 0
let failed = 0
let server = null
let browser = null
try {
  server = await startServer()
  browser = await launchBrowser()
  for (const story of stories) {
    const started = Date.now()
    try {
      const notReady = story.ready ? await story.ready(server.baseUrl) : null
      if (notReady) throw new Error(`not ready: ${notReady}`)
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
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
