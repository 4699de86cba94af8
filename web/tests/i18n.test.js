// i18n completeness: zh-CN and en have the same keys, every key the code names exists, and the
// code sets shown through i18n (statuses, outcomes, types, ...) are all translated.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import zhCN from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'
import { AUDIENCES, CASE_STATUSES, HANDLING_FORMS, ITEM_TYPES, LEVELS, OUTCOMES, PROCESS_KEYS, ROLES, SUSPENSION_KINDS } from '../src/lib/catalog.js'
import { LIFE_EVENTS } from '../src/lib/lifeEvents.js'
import { routes } from '../src/router.js'
import { srcDir } from './helpers.js'

function keys(obj, prefix = '') {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}
const has = (messages, key) => key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), messages) !== undefined

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'i18n' ? [] : sources(p)
    return /\.(vue|js)$/.test(e.name) ? [fs.readFileSync(p, 'utf8')] : []
  })
}

const NAMESPACES = Object.keys(zhCN)

describe('i18n', () => {
  it('has the same keys in zh-CN and en', () => {
    const zh = keys(zhCN).sort()
    const e = keys(en).sort()
    expect(zh.filter((k) => !e.includes(k)), 'missing in en').toEqual([])
    expect(e.filter((k) => !zh.includes(k)), 'missing in zh-CN').toEqual([])
  })
  it('has no empty message and the same placeholders in both languages', () => {
    for (const k of keys(zhCN)) {
      const z = k.split('.').reduce((o, p) => o[p], zhCN)
      const e = k.split('.').reduce((o, p) => o[p], en)
      expect(String(z).trim(), k).not.toBe('')
      expect(String(e).trim(), k).not.toBe('')
      const names = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
      expect(names(e), k).toEqual(names(z))
    }
  })
  it('defines every key the source code names literally', () => {
    const text = sources(srcDir).join('\n')
    const literal = new Set()
    for (const m of text.matchAll(/'([a-zA-Z]+\.[a-zA-Z_][a-zA-Z0-9_.]*)'/g)) {
      if (NAMESPACES.includes(m[1].split('.')[0])) literal.add(m[1])
    }
    expect(literal.size).toBeGreaterThan(200)
    const missing = [...literal].filter((k) => !has(zhCN, k))
    expect(missing).toEqual([])
  })
  it('translates every code the UI shows through i18n', () => {
    const need = [
      ...CASE_STATUSES.map((s) => `status.${s}`),
      ...OUTCOMES.map((o) => `outcome.${o}`),
      ...ITEM_TYPES.map((t) => `itemType.${t}`),
      ...LEVELS.map((l) => `level.${l}`),
      ...AUDIENCES.map((a) => `audience.${a}`),
      ...HANDLING_FORMS.map((h) => `handlingForm.${h}`),
      ...PROCESS_KEYS.map((p) => `process.${p}`),
      ...ROLES.map((r) => `role.${r}`),
      ...SUSPENSION_KINDS.map((k) => `procedure.${k}`),
      ...['created', 'form_changed', 'material_changed', 'submitted', 'accepted', 'supplement_requested', 'resubmitted', 'task_completed', 'decided', 'withdrawn', 'rules_fallback', 'warning_yellow', 'warning_red'].map((e) => `event.${e}`),
      ...LIFE_EVENTS.flatMap((e) => [`lifeEvent.${e.key}`, `lifeEvent.${e.key}_hint`]),
      ...['green', 'yellow', 'red', 'suspended', 'none'].map((c) => `due.${c}`),
      ...['date', 'email', 'phone', 'id_number', 'uscc'].map((f) => `fieldError.format_${f}`),
      ...['required', 'type', 'enum', 'const', 'min_length', 'max_length', 'format', 'pattern', 'minimum', 'maximum', 'min_items', 'max_items', 'unknown_field'].map((c) => `fieldError.${c}`),
      ...['validation_failed', 'not_found', 'forbidden', 'conflict', 'rate_limited'].map((c) => `problem.${c}`),
      ...routes.filter((r) => r.meta?.title).map((r) => r.meta.title),
    ]
    expect(need.filter((k) => !has(zhCN, k) || !has(en, k))).toEqual([])
  })
})
