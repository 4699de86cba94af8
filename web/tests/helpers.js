// Test helpers: the demo catalog from data/catalog, and an i18n instance.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createI18n } from 'vue-i18n'
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
