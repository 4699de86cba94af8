// problem+json → what the UI shows: field errors keyed by the form item they belong to, the rest
// as a list, and every message translated by its stable code where the dictionary knows it.
import { nodeAt } from './schema.js'

// Splits `errors` ([{field, code, message}]) into {fields: {path: error}, other: [error]}.
//  - prefixes: leading path parts to drop ("form." when the server reports form fields of a case);
//  - known: the paths the form renders (array, Set or predicate); errors on other paths, and
//    errors without a field, go to `other`. A path inside a known object that is not itself
//    rendered is attached to the nearest known ancestor. The first error per path wins.
export function mapFieldErrors(errors, { prefixes = [], known } = {}) {
  const isKnown =
    typeof known === 'function' ? known : known ? ((s) => (p) => s.has(p))(new Set(known)) : () => true
  const fields = {}
  const other = []
  for (const error of errors || []) {
    let path = String(error.field ?? '')
    for (const prefix of prefixes) {
      if (path.startsWith(prefix)) {
        path = path.slice(prefix.length)
        break
      }
    }
    let target = path
    while (target && !isKnown(target)) {
      const cut = Math.max(target.lastIndexOf('.'), target.lastIndexOf('['))
      target = cut > 0 ? target.slice(0, cut) : ''
    }
    if (!target) {
      other.push(error)
      continue
    }
    if (!(target in fields)) fields[target] = { ...error, field: target, originalField: error.field }
  }
  return { fields, other }
}

// Parameters a message needs that the server's error does not carry, taken from the schema node.
function paramsFromNode(code, node) {
  if (!node) return {}
  switch (code) {
    case 'min_length':
      return { limit: node.minLength }
    case 'max_length':
      return { limit: node.maxLength }
    case 'minimum':
      return { limit: node.minimum ?? node.exclusiveMinimum }
    case 'maximum':
      return { limit: node.maximum ?? node.exclusiveMaximum }
    case 'format':
      return { format: node.format }
    case 'enum':
      return { values: (node.enum || []).join('、') }
    default:
      return {}
  }
}

// The text for one field error. i18n: {t, te} of vue-i18n (or any pair with that meaning).
// Lookup order: fieldError.format_<format> (for "format"), fieldError.<code>, then the server's
// own message, then the code itself.
export function fieldErrorMessage(i18n, error, { schema, node } = {}) {
  const { t, te } = i18n
  const target = node || (schema ? nodeAt(schema, error.field) : null)
  const params = { ...paramsFromNode(error.code, target), ...(error.params || {}) }
  if (Array.isArray(params.values)) params.values = params.values.join('、')
  if (params.limit === undefined) {
    const m = /(-?\d+(?:\.\d+)?)/.exec(error.message || '')
    if (m) params.limit = m[1]
  }
  if (error.code === 'format' && !params.format) params.format = formatFromName(error.field)
  if (error.code === 'format' && params.format && te(`fieldError.format_${params.format}`)) {
    return t(`fieldError.format_${params.format}`, params)
  }
  const key = `fieldError.${error.code}`
  if (error.code && te(key) && (params.limit !== undefined || !needsLimit(error.code))) {
    return t(params.exclusive && te(`${key}_exclusive`) ? `${key}_exclusive` : key, params)
  }
  return error.message || error.code || ''
}

// Without a schema (registration, staff forms), the field's own name tells its format.
function formatFromName(field) {
  const name = String(field || '').split('.').pop()
  if (['id_number', 'uscc', 'email'].includes(name)) return name
  if (/phone$/.test(name)) return 'phone'
  if (/(^|_)date$/.test(name)) return 'date'
  return undefined
}

const needsLimit = (code) => ['min_length', 'max_length', 'minimum', 'maximum', 'min_items', 'max_items'].includes(code)

// The text for a whole problem (a toast or an alert): problem.<code>, else its title/detail.
export function problemMessage(i18n, error) {
  const { t, te } = i18n
  if (!error) return ''
  const code = error.code
  if (code && te(`problem.${code}`)) {
    return t(`problem.${code}`, { seconds: error.retryAfter ?? '' })
  }
  if (error.status && te(`problem.http_${error.status}`)) return t(`problem.http_${error.status}`)
  return error.detail || error.title || error.message || t('problem.unknown')
}

// Field messages for a form: {path: text} from an ApiError (or a list of client-side errors).
export function fieldMessages(i18n, errors, options = {}) {
  const { fields, other } = mapFieldErrors(errors, options)
  const out = {}
  for (const [path, error] of Object.entries(fields)) out[path] = fieldErrorMessage(i18n, error, options)
  return {
    fields: out,
    other: other.map((e) => (e.field ? `${e.field}: ` : '') + fieldErrorMessage(i18n, e, options)),
  }
}
