// An item document as the catalog stores it (data/catalog/README.md): a blank one, the keys in
// their documented order, and the rules an administrator can be told about before saving (the
// server checks them again and answers 422 with the same field paths).

export const ITEM_KEYS = [
  'basic_code', 'implementation_code', 'name', 'aliases', 'keywords', 'type', 'level', 'department', 'region',
  'legal_basis', 'conditions', 'audience', 'handling_forms', 'instant', 'legal_limit_days', 'promised_limit_days',
  'newly_approved', 'fees', 'online', 'onsite_reason', 'visits', 'appointment', 'online_payment', 'courier',
  'result', 'consult_phone', 'complaint_phone', 'faq', 'materials', 'form_schema', 'process_key', 'auto_approval_rules',
]

// Fields the server adds to what it returns; not part of the document sent back.
export const SERVER_FIELDS = ['code', 'version', 'status', 'published_at', 'department_name', 'region_name', 'type_name', 'created_at', 'created_by']

export function blankItem() {
  return {
    basic_code: '', implementation_code: '', name: '', aliases: [], keywords: [], type: '01', level: 3, department: '', region: '',
    legal_basis: [{ name: '', article: '' }], conditions: [''], audience: ['person'], handling_forms: ['window', 'pc', 'mobile'],
    instant: false, legal_limit_days: 20, promised_limit_days: 10, newly_approved: false, fees: [], online: true,
    onsite_reason: null, visits: 0, appointment: false, online_payment: false, courier: false,
    result: { name: '', license_type: null }, consult_phone: '0898-12345', complaint_phone: '0898-12345', faq: [],
    materials: [blankMaterial(1)],
    form_schema: { type: 'object', 'x-ui-label': '申请表', properties: {}, required: [] },
    process_key: 'standard_approval',
  }
}

export function blankMaterial(n) {
  return { code: materialCode(n), name: '', issuer: '申请人', original: 1, copies: 0, required: true, e_license_type: null, commitment_allowed: false, note: '' }
}

export const materialCode = (n) => `M${String(n).padStart(2, '0')}`

// The implementation code follows from the basic code, the region and the department.
export function implementationCode(doc) {
  if (!doc.basic_code || !doc.region || !doc.department) return ''
  return `${doc.basic_code}${doc.region}${doc.department.replace(/-/g, '')}`
}

// The document to send: documented keys in order, derived fields set, server fields dropped.
export function toDocument(doc) {
  const d = { ...doc }
  d.instant = Number(d.promised_limit_days) === 0
  d.online_payment = Array.isArray(d.fees) && d.fees.length > 0
  if (d.online) {
    d.onsite_reason = null
    d.visits = 0
  }
  d.materials = (d.materials || []).map((m, i) => ({ ...m, code: materialCode(i + 1), e_license_type: m.e_license_type || null }))
  d.aliases = (d.aliases || []).filter((s) => String(s).trim())
  d.keywords = (d.keywords || []).filter((s) => String(s).trim())
  d.conditions = (d.conditions || []).filter((s) => String(s).trim())
  if (d.result && !d.result.license_type) d.result = { ...d.result, license_type: null }
  const out = {}
  for (const k of ITEM_KEYS) {
    if (k === 'auto_approval_rules') {
      if (d.process_key === 'auto_approval') out[k] = (d.auto_approval_rules || []).filter((s) => String(s).trim())
      continue
    }
    if (k in d) out[k] = d[k]
  }
  for (const [k, v] of Object.entries(d)) if (!(k in out) && !SERVER_FIELDS.includes(k) && k !== 'auto_approval_rules') out[k] = v
  return out
}

// The rules of data/catalog/README.md that need no other table: [{field, code, params}].
export function itemProblems(doc) {
  const p = []
  const add = (field, code, params = {}) => p.push({ field, code, params })
  if (!String(doc.name || '').trim()) add('name', 'required')
  if (!/^\d{12}$/.test(doc.basic_code || '')) add('basic_code', 'item_basic_code')
  else if (doc.basic_code.slice(2, 4) !== doc.type) add('basic_code', 'item_basic_code_type')
  if (!doc.department) add('department', 'required')
  if (!doc.region) add('region', 'required')
  const legal = Number(doc.legal_limit_days), promised = Number(doc.promised_limit_days)
  if (!Number.isInteger(legal) || legal < 0) add('legal_limit_days', 'minimum', { limit: 0 })
  if (!Number.isInteger(promised) || promised < 0) add('promised_limit_days', 'minimum', { limit: 0 })
  else if (promised > legal) add('promised_limit_days', 'item_promised_over_legal', { legal })
  else if (doc.newly_approved && 2 * promised > legal) add('promised_limit_days', 'item_newly_approved_half', { legal })
  if (!doc.online) {
    if (!String(doc.onsite_reason || '').trim()) add('onsite_reason', 'item_onsite_reason')
    if (!(Number(doc.visits) >= 1)) add('visits', 'minimum', { limit: 1 })
  } else if (!(doc.handling_forms || []).some((h) => h === 'pc' || h === 'mobile')) {
    add('handling_forms', 'item_online_forms')
  }
  if (!(doc.audience || []).length) add('audience', 'required')
  ;(doc.fees || []).forEach((f, i) => {
    if (!String(f.name || '').trim()) add(`fees[${i}].name`, 'required')
    if (!(Number.isInteger(f.amount_fen) && f.amount_fen > 0)) add(`fees[${i}].amount_fen`, 'minimum', { limit: 0.01 })
    if (!String(f.basis || '').trim()) add(`fees[${i}].basis`, 'required')
  })
  if (!(doc.materials || []).length) add('materials', 'required')
  ;(doc.materials || []).forEach((m, i) => {
    if (!String(m.name || '').trim()) add(`materials[${i}].name`, 'required')
  })
  if (!(doc.conditions || []).some((c) => String(c).trim())) add('conditions', 'required')
  if (!(doc.legal_basis || []).some((b) => String(b.name || '').trim())) add('legal_basis', 'required')
  if (!doc.form_schema || doc.form_schema.type !== 'object') add('form_schema', 'item_form_schema')
  return p
}
