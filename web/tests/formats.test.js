import { describe, expect, it } from 'vitest'
import {
  idNumberCheckChar, idNumberProblem, isDate, isEmail, isIdNumber, isPhone, isUscc, normalizePhone,
  passwordProblem, phoneProblem, usccCheckChar, usccProblem, codePointLength,
} from '../src/lib/formats.js'

describe('formats mirror the server', () => {
  it('checks ID numbers (GB 11643) like catalog/form_schema.cpp', () => {
    expect(isIdNumber('11010519491231002X')).toBe(true)
    expect(isIdNumber('11010519491231002x')).toBe(true)
    expect(isIdNumber('110105194912310021')).toBe(false) // check character
    expect(isIdNumber('110105194902300021')).toBe(false) // 30 February
    expect(isIdNumber('1101051949123100')).toBe(false)
    expect(idNumberCheckChar('11010519491231002')).toBe('X')
  })
  it('gives the identity module\'s reasons in its order', () => {
    const today = new Date(2026, 0, 1)
    expect(idNumberProblem('', today)).toBe('required')
    expect(idNumberProblem('123', today)).toBe('length')
    expect(idNumberProblem('11010519491231002Z', today)).toBe('format')
    expect(idNumberProblem('110105194913310021', today)).toBe('birth_date')
    expect(idNumberProblem('110105189912310021', today)).toBe('birth_date') // before 1900
    expect(idNumberProblem('110105203012310021', today)).toBe('birth_date') // in the future
    expect(idNumberProblem('110105194912310021', today)).toBe('checksum')
    expect(idNumberProblem(' 11010519491231002X ', today)).toBe(null)
  })
  it('checks unified social credit codes (GB 32100)', () => {
    expect(isUscc('91350100M000100Y43')).toBe(true)
    expect(isUscc('91350100m000100y43')).toBe(true)
    expect(isUscc('91350100M000100Y44')).toBe(false)
    expect(isUscc('91350100M000100YI3')).toBe(false) // I is not in the set
    expect(usccCheckChar('91460100MA5T00001')).toMatch(/^[0-9A-Y]$/)
    expect(usccProblem('')).toBe('required')
    expect(usccProblem('9135')).toBe('length')
    expect(usccProblem('91350100M000100YOO')).toBe('format')
    expect(usccProblem('91350100M000100Y44')).toBe('checksum')
    expect(usccProblem('91350100M000100Y43')).toBe(null)
  })
  it('checks phones: forms want 11 digits, registration normalizes +86 and separators', () => {
    expect(isPhone('13800000001')).toBe(true)
    expect(isPhone('12800000001')).toBe(false)
    expect(isPhone('+8613800000001')).toBe(false)
    expect(normalizePhone('+86 138-0000-0001')).toBe('13800000001')
    expect(normalizePhone('8613800000001')).toBe('13800000001')
    expect(phoneProblem('')).toBe('required')
    expect(phoneProblem('+86 138 0000 0001')).toBe(null)
    expect(phoneProblem('1380000000')).toBe('format')
  })
  it('checks dates and emails', () => {
    expect(isDate('2024-02-29')).toBe(true)
    expect(isDate('2023-02-29')).toBe(false)
    expect(isDate('2024-2-9')).toBe(false)
    expect(isEmail('a.b@example.cn')).toBe(true)
    expect(isEmail('a..b@example.cn')).toBe(false)
    expect(isEmail('a@localhost')).toBe(false)
    expect(isEmail('a@example.c1')).toBe(false)
  })
  it('counts code points and applies the password policy it can know', () => {
    expect(codePointLength('张三')).toBe(2)
    expect(codePointLength('𠀀')).toBe(1)
    expect(passwordProblem('')).toBe('required')
    expect(passwordProblem('short')).toBe('too_short')
    expect(passwordProblem('我我我我我我我我')).toBe('common')
    expect(passwordProblem('Wangban@2026')).toBe(null)
    expect(passwordProblem('x'.repeat(129))).toBe('too_long')
  })
})
