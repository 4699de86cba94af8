// Money arrives in fen (integer, API.md); people read 元 with two decimals.

// 2000 → "20.00"; 12345 → "123.45"; -150 → "-1.50". Not a number → "".
export function fenToYuan(fen) {
  if (fen === null || fen === undefined || fen === '' || !Number.isFinite(Number(fen))) return ''
  const n = Math.round(Number(fen))
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  const yuan = Math.floor(abs / 100)
  const cents = String(abs % 100).padStart(2, '0')
  return `${sign}${yuan.toLocaleString('en-US')}.${cents}`
}

// 元 typed by an administrator → fen; "20" → 2000, "0.5" → 50, "1.005" → null (sub-fen).
export function yuanToFen(text) {
  const s = String(text ?? '').trim().replace(/,/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null
  const [y, c = ''] = s.split('.')
  return Number(y) * 100 + Number(c.padEnd(2, '0'))
}
