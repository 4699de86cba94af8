import { describe, expect, it } from 'vitest'
import { LIFE_EVENTS, lifeEvent, mergeResults } from '../src/lib/lifeEvents.js'
import { outcomesForTask, statusTagType } from '../src/lib/catalog.js'
import { blankItem, implementationCode, itemProblems, ITEM_KEYS, toDocument } from '../src/lib/itemDoc.js'
import { caseMaterials, caseTimeline, missingMaterials, normalizeTask, supplementNotice } from '../src/lib/cases.js'
import { safeRedirect, homeFor } from '../src/lib/navigation.js'
import { allowed } from '../src/router.js'
import { catalogItems, catalogItem } from './helpers.js'

describe('life events', () => {
  const items = catalogItems().map((i) => i.doc)
  it('every query finds at least one demo item (name, alias or keyword) and is long enough for trigram search', () => {
    for (const e of LIFE_EVENTS) {
      for (const q of e.queries) {
        expect([...q].length, q).toBeGreaterThanOrEqual(3)
        const hit = items.some((i) => [i.name, ...i.aliases, ...i.keywords].some((s) => s.includes(q)))
        expect(hit, `${e.key}: ${q}`).toBe(true)
      }
    }
  })
  it('looks events up and merges results without duplicates', () => {
    expect(lifeEvent('construction').queries).toContain('建筑工程施工许可')
    expect(lifeEvent('nope')).toBe(null)
    expect(mergeResults([[{ code: 'a' }, { code: 'b' }], [{ code: 'b' }, { code: 'c' }], null]).map((i) => i.code)).toEqual(['a', 'b', 'c'])
  })
})

describe('task outcomes', () => {
  it('uses the outcomes the server lists', () => {
    expect(outcomesForTask({ outcomes: ['approve', 'deny'] })).toEqual(['approve', 'deny'])
  })
  it('derives them from the kind of task', () => {
    expect(outcomesForTask({ kind: 'window_pre_review' })).toEqual(['accept', 'refuse', 'request_supplement'])
    expect(outcomesForTask({ name: '综合窗口受理' })).toEqual(['accept', 'refuse', 'request_supplement'])
    expect(outcomesForTask({ kind: 'parallel_review' })).toEqual(['agree', 'object', 'suspend'])
    expect(outcomesForTask({ kind: 'review' })).toEqual(['approve', 'deny', 'suspend'])
    expect(outcomesForTask({ kind: 'review', case_status: 'suspended' })).toEqual(['resume'])
    expect(outcomesForTask(null)).toEqual([])
  })
  it('colours statuses', () => {
    expect(statusTagType('approved')).toBe('success')
    expect(statusTagType('supplement_requested')).toBe('warning')
    expect(statusTagType('refused')).toBe('danger')
  })
})

describe('item documents', () => {
  it('finds no problem in any demo item and writes keys in the documented order', () => {
    for (const { file, doc } of catalogItems()) {
      expect(itemProblems(doc), file).toEqual([])
      expect(Object.keys(toDocument(doc)), file).toEqual(Object.keys(doc))
      expect(implementationCode(doc), file).toBe(doc.implementation_code)
    }
  })
  it('reports the catalog rules by field', () => {
    const doc = { ...catalogItem('052'), promised_limit_days: 8 }
    expect(itemProblems(doc)).toEqual([{ field: 'promised_limit_days', code: 'item_promised_over_legal', params: { legal: 7 } }])
    const onsite = { ...catalogItem('052'), online: false, onsite_reason: '', visits: 0 }
    expect(itemProblems(onsite).map((p) => p.field)).toEqual(['onsite_reason', 'visits'])
    const fresh = blankItem()
    expect(itemProblems(fresh).map((p) => p.field)).toEqual(['name', 'basic_code', 'department', 'region', 'materials[0].name', 'conditions', 'legal_basis'])
  })
  it('derives instant, online_payment and the online fields when sending', () => {
    const d = toDocument({ ...blankItem(), promised_limit_days: 0, fees: [{ name: '工本费', amount_fen: 1000, basis: 'x' }], online: true, onsite_reason: 'x', visits: 2 })
    expect(d.instant).toBe(true)
    expect(d.online_payment).toBe(true)
    expect(d.onsite_reason).toBe(null)
    expect(d.visits).toBe(0)
    expect(Object.keys(d)).toEqual(ITEM_KEYS.filter((k) => k !== 'auto_approval_rules'))
  })
})

describe('reading cases', () => {
  const item = catalogItem('052')
  it('normalizes materials given as a list or a map', () => {
    const list = caseMaterials({ materials: [{ material_code: 'M01', file_id: 'f1', file_name: 'a.pdf' }, { material_code: 'M06', commitment: true }] })
    expect(list.M01).toMatchObject({ kind: 'file', file_id: 'f1', name: 'a.pdf' })
    expect(list.M06.kind).toBe('commitment')
    const map = caseMaterials({ materials: { M02: { license_id: 'L1' } } })
    expect(map.M02).toMatchObject({ kind: 'license', license_id: 'L1' })
    expect(missingMaterials(item, list)).toEqual(['M02', 'M03', 'M04', 'M05', 'M07'])
  })
  it('finds the supplement notice on the case or in its timeline', () => {
    const missing = [{ material_code: 'M04', reason: '合同未盖章' }]
    expect(supplementNotice({ status: 'supplement_requested', supplement_request: { opinion: '请补正', missing } })).toEqual({ opinion: '请补正', missing, at: '' })
    const c = {
      status: 'supplement_requested',
      timeline: [
        { at: '2026-03-02T10:00:00+08:00', kind: 'submitted' },
        { at: '2026-03-03T09:00:00+08:00', kind: 'task_completed', outcome: 'request_supplement', opinion: '材料不全', missing },
      ],
    }
    expect(supplementNotice(c)).toEqual({ opinion: '材料不全', missing, at: '2026-03-03T09:00:00+08:00' })
    expect(caseTimeline(c).map((e) => e.kind)).toEqual(['submitted', 'task_completed'])
    expect(supplementNotice({ status: 'accepted', timeline: [] })).toBe(null)
  })
})

describe('the server\'s case and task documents', () => {
  it('reads the timeline\'s type, actor and data', () => {
    const c = {
      status: 'supplement_requested',
      supplement: { missing: [{ material_code: 'M02', reason: '缺盖章页' }], opinion: '请补正', requested_at: '2026-03-03T09:00:00+08:00', requested_by: '综合窗口 王芳' },
      timeline: [
        { seq: 1, at: '2026-03-02T10:00:00+08:00', type: 'created', status: 'draft', actor: { name: '张三', role: 'applicant' }, note: '', data: {} },
        { seq: 2, at: '2026-03-02T10:00:00+08:00', type: 'material_changed', status: 'draft', actor: { name: '张三' }, note: '', data: { material_code: 'M01', kind: 'file' } },
        { seq: 3, at: '2026-03-03T09:00:00+08:00', type: 'supplement_requested', status: 'supplement_requested', actor: { name: '王芳' }, note: '请补正', data: { outcome: 'request_supplement', missing: [{ material_code: 'M02', reason: '缺盖章页' }] } },
      ],
    }
    const events = caseTimeline(c)
    expect(events.map((e) => e.kind)).toEqual(['created', 'material_changed', 'supplement_requested'])
    expect(events[1]).toMatchObject({ actor: '张三', materialCode: 'M01' })
    expect(events[2]).toMatchObject({ outcome: 'request_supplement', note: '请补正', missing: [{ material_code: 'M02', reason: '缺盖章页' }] })
    expect(supplementNotice(c)).toEqual({ opinion: '请补正', missing: [{ material_code: 'M02', reason: '缺盖章页' }], at: '2026-03-03T09:00:00+08:00' })
    expect(caseMaterials({ materials: [{ material_code: 'M01', kind: 'file', file_id: 'f', license_id: null }] }).M01.kind).toBe('file')
  })
  it('flattens a task\'s case for the workbench', () => {
    const task = normalizeTask({
      id: 't1', name: '窗口受理', state: 'open', outcomes: ['accept', 'refuse', 'request_supplement'], assignee: null,
      case: { id: 'c1', number: 'HK20260303000001', item_code: 'x', item_name: '股权出质登记', applicant_name: '张三', status: 'submitted', due_date: '2026-03-10', clock: { state: 'yellow', remaining_days: 1 } },
    })
    expect(task).toMatchObject({ case_id: 'c1', case_number: 'HK20260303000001', item_name: '股权出质登记', applicant_name: '张三', due_date: '2026-03-10', case_status: 'submitted' })
    expect(task.clock.state).toBe('yellow')
    expect(outcomesForTask(task)).toEqual(['accept', 'refuse', 'request_supplement'])
  })
})

describe('navigation', () => {
  it('only follows same-site redirects', () => {
    expect(safeRedirect('/apply/x')).toBe('/apply/x')
    expect(safeRedirect('//evil.example')).toBe(null)
    expect(safeRedirect('https://evil.example')).toBe(null)
    expect(safeRedirect('/\\evil')).toBe(null)
  })
  it('sends each user to their home and guards routes by kind and role', () => {
    expect(homeFor({ kind: 'person' })).toBe('/')
    expect(homeFor({ kind: 'staff', roles: ['window'] })).toBe('/work/tasks')
    expect(homeFor({ kind: 'staff', roles: ['catalog_admin'] })).toBe('/admin/items')
    const window = { kind: 'staff', roles: ['window'] }
    expect(allowed('applicant', { kind: 'company' })).toBe(true)
    expect(allowed('applicant', window)).toBe(false)
    expect(allowed(['catalog_admin', 'admin'], window)).toBe(false)
    expect(allowed(['window', 'approver'], window)).toBe(true)
    expect(allowed('staff', null)).toBe(false)
    expect(allowed(undefined, null)).toBe(true)
  })
})
