// Test helpers: the demo catalog from data/catalog, and an i18n instance.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import zhCN from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const catalogDir = path.resolve(here, '../../data/catalog')

export function catalogItems() {
  const dir = path.join(catalogDir, 'items')
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), 'utf8'), doc: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }))
}

export function catalogItem(prefix) {
  return catalogItems().find((i) => i.file.startsWith(prefix)).doc
}

export function makeI18n(locale = 'zh-CN') {
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh-CN', messages: { 'zh-CN': zhCN, en }, missingWarn: false, fallbackWarn: false })
}

export const srcDir = path.resolve(here, '../src')

// Call inside a describe whose tests use fakeFetch: after each test the real fetch comes back and
// the page is emptied.
export function restoreFetchAfterEach() {
  const realFetch = globalThis.fetch
  afterEach(() => {
    globalThis.fetch = realFetch
    document.body.innerHTML = ''
  })
}

// Replaces globalThis.fetch with a fake server: `handler(url)` answers [status, body]; bodies of
// 4xx/5xx go out as problem+json. Returns the URLs asked, in order.
export function fakeFetch(handler) {
  const calls = []
  globalThis.fetch = vi.fn(async (url) => {
    calls.push(url)
    const [status, body] = handler(url)
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    })
  })
  return calls
}

// Lets pending requests and the renders they cause finish.
export async function settle() {
  await flushPromises()
  await nextTick()
}

// Mounts `component` as the page at `path` of a memory router with `routes` (zh-CN), settled.
export async function mountPage(component, { routes, path }) {
  const router = createRouter({ history: createMemoryHistory(), routes })
  router.push(path)
  await router.isReady()
  const wrapper = mount(component, { global: { plugins: [makeI18n('zh-CN'), router] }, attachTo: document.body })
  await settle()
  return { wrapper, router }
}
