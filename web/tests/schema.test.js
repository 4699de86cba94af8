import { describe, expect, it } from 'vitest'
import { compilePattern, emptyModel, fieldPaths, nodeAt, toPayload, validate } from '../src/lib/schema.js'
import { catalogItem, catalogItems } from './helpers.js'

const permit = catalogItem('052') // 建筑工程施工许可
const schema = permit.form_schema

function validForm() {
  return {
    company_name: '海口示例建设有限公司',
    uscc: '91350100M000100Y43',
    legal_representative: { name: '张三', id_number: '11010519491231002X', phone: '13800000001' },
    contact_name: '李四',
    contact_phone: '13800000002',
    project_name: '示例综合楼',
    project_code: '2024-460100-47-01-000001',
    project_address: { district: '龙华区', street: '金贸街道', detail: '滨海大道 1 号' },
    contract_price: 1200.5,
    building_area: 8000,
    construction_company: '海口示例建工集团',
    construction_uscc: '91350100M000100Y43',
    project_manager: '王五',
    planned_start: '2026-03-01',
    planned_end: '2027-06-30',
    delivery: '电子证照',
  }
}

describe('validate (mirror of catalog/form_schema.cpp FormChecker)', () => {
  it('accepts a complete form', () => {
    expect(validate(schema, validForm())).toEqual([])
  })
  it('reports missing required fields by path, in schema order', () => {
    const errors = validate(schema, {})
    expect(errors.map((e) => e.field)).toEqual(schema.required)
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['required']))
  })
  it('looks into a required nested object and reports its fields with dotted paths', () => {
    const form = validForm()
    form.legal_representative = { name: '张', id_number: '110105194912310021' }
    form.project_address = { district: '三亚', street: '金贸街道', detail: '滨海大道 1 号' }
    expect(validate(schema, form)).toEqual([
      { field: 'legal_representative.name', code: 'min_length', params: { limit: 2 } },
      { field: 'legal_representative.id_number', code: 'format', params: { format: 'id_number' } },
      { field: 'legal_representative.phone', code: 'required', params: {} },
      { field: 'project_address.district', code: 'enum', params: { values: ['秀英区', '龙华区', '琼山区', '美兰区'] } },
    ])
  })
  it('checks one failure per field in the server order: type, enum, length, format, pattern', () => {
    const form = validForm()
    form.uscc = 'ABC' // too short before pattern
    form.project_code = '2024-46010-47-01-0000011' // right length, wrong pattern
    form.contract_price = -1
    form.building_area = '8000' // a string where a number is wanted
    form.contact_phone = '1380000000'
    form.planned_start = '2026-02-30'
    const byField = Object.fromEntries(validate(schema, form).map((e) => [e.field, e.code]))
    expect(byField).toEqual({
      uscc: 'min_length',
      project_code: 'pattern',
      contract_price: 'minimum',
      building_area: 'type',
      contact_phone: 'format',
      planned_start: 'format',
    })
  })
  it('treats integers, exclusive bounds, booleans and unknown fields as JSON Schema does', () => {
    const s = {
      type: 'object',
      properties: {
        n: { type: 'integer', exclusiveMinimum: 0, maximum: 10 },
        b: { type: 'boolean' },
        name: { type: 'string', pattern: '^[\u4e00-\u9fa5]{2,4}$' },
      },
      required: ['b'],
      additionalProperties: false,
    }
    expect(validate(s, { n: 1.5, b: true })).toEqual([{ field: 'n', code: 'type', params: { types: ['integer'] } }])
    expect(validate(s, { n: 0, b: true })[0]).toMatchObject({ field: 'n', code: 'minimum', params: { exclusive: true } })
    expect(validate(s, { n: 11, b: 'yes' }).map((e) => e.code)).toEqual(['maximum', 'type'])
    expect(validate(s, { b: false, name: '张三' })).toEqual([])
    expect(validate(s, { b: false, name: 'Zhang' })[0].code).toBe('pattern')
    expect(validate(s, { b: false, extra: 1 })).toEqual([{ field: 'extra', code: 'unknown_field', params: {} }])
    expect(validate(s, [])).toEqual([{ field: '', code: 'type', params: { types: ['object'] } }])
  })
  it('compiles every pattern of the demo catalog and finds every required field of every item', () => {
    for (const { file, doc } of catalogItems()) {
      const paths = fieldPaths(doc.form_schema)
      for (const p of paths) {
        const node = nodeAt(doc.form_schema, p)
        expect(node, `${file} ${p}`).toBeTruthy()
        expect(node['x-ui-label'], `${file} ${p} has a label`).toBeTruthy()
        if (node.pattern) expect(compilePattern(node.pattern), `${file} ${p}`).not.toBeNull()
      }
      const errors = validate(doc.form_schema, toPayload(doc.form_schema, emptyModel(doc.form_schema)))
      const required = new Set(errors.filter((e) => e.code === 'required').map((e) => e.field))
      for (const name of doc.form_schema.required || []) {
        if ((doc.form_schema.properties[name].type || '') !== 'object') expect(required.has(name), `${file} ${name}`).toBe(true)
      }
    }
  })
})

describe('the editable model and the payload', () => {
  it('builds a model with every object present and keeps a draft\'s values', () => {
    const model = emptyModel(schema, { company_name: '甲', project_address: { district: '美兰区' }, legacy: 1 })
    expect(model.company_name).toBe('甲')
    expect(model.legal_representative).toEqual({ name: undefined, id_number: undefined, phone: undefined })
    expect(model.project_address.district).toBe('美兰区')
    expect(model.legacy).toBe(1)
  })
  it('leaves blanks out, trims text, keeps required objects and drops empty optional ones', () => {
    const s = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        o: { type: 'object', properties: { x: { type: 'string' } } },
        r: { type: 'object', properties: { y: { type: 'string' } } },
        n: { type: 'number' },
        f: { type: 'boolean' },
      },
      required: ['r'],
    }
    expect(toPayload(s, { a: '  hi ', o: { x: '' }, r: { y: ' ' }, n: null, f: false })).toEqual({ a: 'hi', r: {}, f: false })
    expect(validate(s, toPayload(s, { a: '', o: {}, r: {} }))).toEqual([])
  })
  it('lists field paths depth first, containers before their contents', () => {
    expect(fieldPaths(schema).slice(0, 6)).toEqual([
      'company_name', 'uscc', 'legal_representative', 'legal_representative.name', 'legal_representative.id_number', 'legal_representative.phone',
    ])
  })
})
