// End-to-end harness: starts the real `wangban serve` on a free port with a throwaway data
// directory and the built front end, and drives Debian's Chromium with playwright-core (no
// browser download). Used by run.mjs; each story gets a fresh browser context.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, selectors } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
export const webDir = path.resolve(here, '..')

// Flags from shared/design/PITFALLS.md: headless as root, and nothing that reaches outside.
// (playwright-core adds --headless and a fresh --user-data-dir itself.)
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Starts the server (or uses E2E_BASE_URL). Returns {baseUrl, stop()}.
export async function startServer() {
  if (process.env.E2E_BASE_URL) return { baseUrl: process.env.E2E_BASE_URL.replace(/\/$/, ''), stop: async () => {}, log: () => '' }
  const binary = process.env.WANGBAN_BINARY
  if (!binary) throw new Error('set WANGBAN_BINARY to the built wangban binary (or E2E_BASE_URL to a running server)')
  const dist = process.env.WANGBAN_WEB || path.join(webDir, 'dist')
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error(`no built front end in ${dist}: run scripts/web-build.sh`)
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'wangban-e2e-'))
  const portFile = path.join(data, 'port')
  const args = ['serve', '--port', '0', '--port-file', portFile, '--demo', '--data', data, '--web', dist, '--password-hash-cost', 'minimum']
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  let exited = null
  child.on('exit', (code) => (exited = code))
  const deadline = Date.now() + 30_000
  let port = null
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`wangban serve exited with ${exited}:\n${output}`)
    if (fs.existsSync(portFile)) {
      const text = fs.readFileSync(portFile, 'utf8').trim()
      if (/^\d+$/.test(text)) {
        port = Number(text)
        break
      }
    }
    await sleep(100)
  }
  if (!port) {
    child.kill('SIGKILL')
    throw new Error(`wangban serve did not write its port in 30 s:\n${output}`)
  }
  const baseUrl = `http://127.0.0.1:${port}`
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${baseUrl}/api/ready`)
      if (r.ok) break
    } catch {
      /* not yet */
    }
    await sleep(100)
  }
  return {
    baseUrl,
    log: () => output,
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM')
        const until = Date.now() + 10_000
        while (exited === null && Date.now() < until) await sleep(50)
        if (exited === null) child.kill('SIGKILL')
      }
      fs.rmSync(data, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser() {
  selectors.setTestIdAttribute('data-test')
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  })
}

// A page that records console errors and uncaught exceptions. Network errors for 4xx answers
// ("Failed to load resource") are the API's expected answers (e.g. a 422) and are kept apart.
export async function newPage(browser, baseUrl, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.errors = []
  page.networkErrors = []
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    const text = m.text()
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) page.networkErrors.push(text)
    else page.errors.push(`console: ${text}`)
  })
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`))
  page.setDefaultTimeout(15_000)
  return { context, page }
}

export function artifactsDir() {
  const dir = process.env.E2E_ARTIFACTS || path.join(webDir, 'e2e', 'artifacts')
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

export async function screenshot(page, name) {
  const file = path.join(artifactsDir(), `${name}.png`)
  // Finite CSS transitions (progress bars, radio dots) are finished first, so a shot shows the
  // settled page rather than a frame of an animation.
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' })
  return file
}

// A valid resident ID number (GB 11643) with a random sequence, born 1990-01-01..1999-12-28.
export function randomIdNumber(region = '460100') {
  const y = 1990 + Math.floor(Math.random() * 10)
  const m = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')
  const d = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')
  const seq = String(Math.floor(Math.random() * 1000)).padStart(3, '0')
  const body = `${region}${y}${m}${d}${seq}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0)
  return body + '10X98765432'[sum % 11]
}

export function randomPhone() {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`)
}
