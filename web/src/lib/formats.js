// The string formats of the form schema and of registration, checked as the server checks them
// (catalog/form_schema.cpp for forms; identity/*.cpp add region and date-range checks).

const isDigits = (s) => /^[0-9]+$/.test(s)

export function isRealDate(y, m, d) {
  if (!(m >= 1 && m <= 12 && d >= 1)) return false
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return d <= days && y >= 1 && y <= 9999
}

// YYYY-MM-DD naming a day that exists.
export function isDate(text) {
  if (typeof text !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) return false
  return isRealDate(Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10)))
}

// A mainland mobile number as stored: 1, then 3-9, then nine digits.
export function isPhone(text) {
  return typeof text === 'string' && /^1[3-9][0-9]{9}$/.test(text)
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

export function idNumberCheckChar(first17) {
  if (first17.length !== 17 || !isDigits(first17)) return null
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]
  return ID_CHECK[sum % 11]
}

// GB 11643-1999: 17 digits (7-14 a real birth date) and the MOD 11-2 check character.
export function isIdNumber(text) {
  if (typeof text !== 'string' || text.length !== 18 || !isDigits(text.slice(0, 17))) return false
  const y = Number(text.slice(6, 10)), m = Number(text.slice(10, 12)), d = Number(text.slice(12, 14))
  if (!isRealDate(y, m, d)) return false
  return text[17].toUpperCase() === idNumberCheckChar(text.slice(0, 17))
}

// The identity module's finer reasons, in its order: required, length, format, birth_date, checksum.
// (Its province check needs the region table and is left to the server.)
export function idNumberProblem(text, today = new Date()) {
  const id = (text || '').trim()
  if (!id) return 'required'
  if (id.length !== 18) return 'length'
  if (!isDigits(id.slice(0, 17)) || !/[0-9Xx]/.test(id[17])) return 'format'
  const y = Number(id.slice(6, 10)), m = Number(id.slice(10, 12)), d = Number(id.slice(12, 14))
  if (!isRealDate(y, m, d)) return 'birth_date'
  const birth = Date.UTC(y, m - 1, d)
  if (y < 1900 || birth > Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) return 'birth_date'
  if (id[17].toUpperCase() !== idNumberCheckChar(id.slice(0, 17))) return 'checksum'
  return null
}

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function usccCheckChar(first17) {
  if (first17.length !== 17) return null
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARSET.indexOf(first17[i].toUpperCase())
    if (v < 0) return null
    sum += v * USCC_WEIGHTS[i]
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31]
}

// GB 32100-2015: 18 characters of the 31-character set, the last a MOD 31 check character.
export function isUscc(text) {
  if (typeof text !== 'string' || text.length !== 18) return false
  const check = usccCheckChar(text.slice(0, 17))
  return check !== null && text[17].toUpperCase() === check
}

export function usccProblem(text) {
  const s = (text || '').trim()
  if (!s) return 'required'
  if (s.length !== 18) return 'length'
  const check = usccCheckChar(s.slice(0, 17))
  if (check === null || USCC_CHARSET.indexOf(s[17].toUpperCase()) < 0) return 'format'
  if (s[17].toUpperCase() !== check) return 'checksum'
  return null
}

// The identity module's phone normalisation: spaces and dashes dropped, +86 or a bare 86 prefix.
export function normalizePhone(text) {
  let d = (text || '').replace(/[ -]/g, '')
  if (d.startsWith('+86')) d = d.slice(3)
  else if (d.length === 13 && d.startsWith('86') && isDigits(d)) d = d.slice(2)
  return d
}

export function phoneProblem(text) {
  if (!(text || '').replace(/[ -]/g, '')) return 'required'
  const p = normalizePhone(text)
  return p.length === 11 && isDigits(p) && p[0] === '1' && p[1] >= '3' ? null : 'format'
}

const isDomainLabel = (l) => l.length > 0 && l.length <= 63 && !l.startsWith('-') && !l.endsWith('-') && /^[A-Za-z0-9-]+$/.test(l)

// The server's pragmatic email check (not RFC 5322).
export function isEmail(text) {
  if (typeof text !== 'string' || text.length > 254) return false
  const at = text.indexOf('@')
  if (at < 0 || text.indexOf('@', at + 1) >= 0) return false
  const local = text.slice(0, at), domain = text.slice(at + 1)
  if (!local || local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local)) return false
  const labels = domain.split('.')
  if (labels.length < 2 || !labels.every(isDomainLabel)) return false
  const tld = labels[labels.length - 1]
  return tld.length >= 2 && /^[A-Za-z]+$/.test(tld)
}

export const FORMATS = { date: isDate, email: isEmail, phone: isPhone, id_number: isIdNumber, uscc: isUscc }

export function matchesFormat(format, text) {
  const check = FORMATS[format]
  return check ? check(text) : true
}

// Code points, as the server counts minLength/maxLength ("张三" has length 2).
export const codePointLength = (s) => [...s].length

// Password policy as far as the browser can know it (the common-password list stays on the server).
export function passwordProblem(pw) {
  if (!pw) return 'required'
  if (new TextEncoder().encode(pw).length > 128) return 'too_long'
  const chars = [...pw]
  if (chars.length < 8) return 'too_short'
  if (chars.every((c) => c === chars[0])) return 'common'
  return null
}
