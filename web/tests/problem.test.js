import { describe, expect, it } from 'vitest'
import { fieldErrorMessage, fieldMessages, mapFieldErrors, problemMessage } from '../src/lib/problem.js'
import { makeI18n, catalogItem } from './helpers.js'

const zh = makeI18n('zh-CN').global
const en = makeI18n('en').global

describe('problem+json field errors → form items', () => {
  const errors = [
    { field: 'form.legal_representative.id_number', code: 'format', message: 'must be a valid resident identity number' },
    { field: 'form.project_address', code: 'required', message: 'is required' },
    { field: 'form.project_address.district', code: 'enum', message: 'must be one of ...' },
    { field: 'materials.M02', code: 'required', message: 'is required' },
    { field: '', code: 'type', message: 'the form must be a JSON object' },
    { field: 'form.children[1].name', code: 'required', message: 'is required' },
    { field: 'form.legal_representative.id_number', code: 'checksum', message: 'second error on the same field' },
  ]
  const known = ['legal_representative', 'legal_representative.id_number', 'project_address', 'project_address.district', 'children']

  it('strips prefixes, keeps the first error per field, and sends the rest to `other`', () => {
    const { fields, other } = mapFieldErrors(errors, { prefixes: ['form.'], known })
    expect(Object.keys(fields)).toEqual(['legal_representative.id_number', 'project_address', 'project_address.district', 'children'])
    expect(fields['legal_representative.id_number'].code).toBe('format')
    expect(fields.children.originalField).toBe('form.children[1].name')
    expect(other.map((e) => e.field)).toEqual(['materials.M02', ''])
  })
  it('maps registration errors as the server names them (legal_representative.*)', () => {
    const { fields, other } = mapFieldErrors(
      [{ field: 'legal_representative.id_number', code: 'checksum', message: 'x' }, { field: 'uscc', code: 'taken', message: 'y' }],
      { known: () => true },
    )
    expect(Object.keys(fields)).toEqual(['legal_representative.id_number', 'uscc'])
    expect(other).toEqual([])
  })
  it('translates codes, with limits from the schema when the server sends none', () => {
    const schema = catalogItem('052').form_schema
    expect(fieldErrorMessage(zh, { field: 'legal_representative.name', code: 'min_length', message: 'must be at least 2 characters' }, { schema })).toBe('至少 2 个字符')
    expect(fieldErrorMessage(en, { field: 'contract_price', code: 'minimum', message: '' }, { schema })).toBe('At least 0')
    expect(fieldErrorMessage(zh, { field: 'contact_phone', code: 'format', message: '' }, { schema })).toBe('请填写 11 位手机号码')
    expect(fieldErrorMessage(zh, { field: 'project_address.district', code: 'enum', message: '' }, { schema })).toContain('龙华区')
    expect(fieldErrorMessage(zh, { field: 'phone', code: 'taken', message: 'an account with this phone number exists' })).toBe('已被注册')
    expect(fieldErrorMessage(zh, { field: 'x', code: 'max_length', message: 'must be at most 50 characters' })).toBe('最多 50 个字符')
  })
  it('falls back to the server\'s message for codes it does not know', () => {
    expect(fieldErrorMessage(zh, { field: 'x', code: 'brand_new_code', message: 'a new rule' })).toBe('a new rule')
    expect(fieldErrorMessage(zh, { field: 'x', code: 'min_length', message: 'no number here' })).toBe('no number here')
  })
  it('translates whole problems by code, then by status', () => {
    expect(problemMessage(zh, { code: 'bad_credentials', status: 401 })).toBe('账号或密码不正确')
    expect(problemMessage(zh, { code: 'rate_limited', status: 429, retryAfter: 30 })).toBe('操作过于频繁，请 30 秒后再试')
    expect(problemMessage(en, { code: 'something_new', status: 404, title: 'Not Found' })).toBe('Not found (the feature may not be available yet)')
    expect(problemMessage(en, { code: 'something_new', status: 418, title: "I'm a teapot" })).toBe("I'm a teapot")
  })
  it('gives ready-to-show texts for a form', () => {
    const { fields, other } = fieldMessages(zh, errors, { prefixes: ['form.'], known })
    expect(fields['legal_representative.id_number']).toBe('公民身份号码不正确（18 位，校验码须正确）')
    expect(other[0]).toBe('materials.M02: 必填')
  })
})
