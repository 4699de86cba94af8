// The application form's JSON Schema subset (data/catalog/README.md, catalog/form_schema.hpp):
// validation that mirrors the server's FormChecker (same paths, same codes, same order, one
// failure per field), plus the helpers the form renderer needs. The server stays the authority:
// its 422 field errors are shown too.
import { codePointLength, matchesFormat } from './formats.js'

const TYPE_NAMES = ['object', 'array', 'string', 'integer', 'number', 'boolean', 'null']

export function typesOf(node) {
  if (!node || node.type === undefined) return []
  return Array.isArray(node.type) ? node.type : [node.type]
}

// The one type the renderer uses for a node (the first non-null one).
export function mainType(node) {
  return typesOf(node).find((t) => t !== 'null') || 'string'
}

function fitsTypes(node, value) {
  const types = typesOf(node)
  if (types.length === 0) return true
  if (value === null) return types.includes('null')
  if (Array.isArray(value)) return types.includes('array')
  switch (typeof value) {
    case 'object':
      return types.includes('object')
    case 'string':
      return types.includes('string')
    case 'boolean':
      return types.includes('boolean')
    case 'number':
      return Number.isFinite(value) && (types.includes('number') || (types.includes('integer') && Number.isInteger(value)))
    default:
      return false
  }
}

function deepEqual(a, b) {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a), kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]))
}

const regexCache = new Map()
// ECMAScript pattern, searched anywhere unless anchored; matched on code points ('u' flag) like
// the server. Patterns that are not valid in 'u' mode are tried without it.
export function compilePattern(pattern) {
  if (regexCache.has(pattern)) return regexCache.get(pattern)
  let re = null
  try {
    re = new RegExp(pattern, 'u')
  } catch {
    try {
      re = new RegExp(pattern)
    } catch {
      re = null
    }
  }
  regexCache.set(pattern, re)
  return re
}

export const childPath = (path, name) => (path ? `${path}.${name}` : name)

// Every failure: [{field, code, params}] with params for the message ({limit}, {format}, ...).
export function validate(schema, value, { maxErrors = 100 } = {}) {
  const errors = []
  const add = (field, code, params = {}) => {
    if (errors.length < maxErrors) errors.push({ field, code, params })
  }
  const check = (node, v, path) => {
    if (errors.length >= maxErrors) return
    if (!fitsTypes(node, v)) return add(path, 'type', { types: typesOf(node) })
    if (Array.isArray(node.enum) && !node.enum.some((e) => deepEqual(e, v))) return add(path, 'enum', { values: node.enum })
    if ('const' in node && !deepEqual(node.const, v)) return add(path, 'const', { value: node.const })
    if (typeof v === 'string') return checkString(node, v, path)
    if (typeof v === 'number') return checkNumber(node, v, path)
    if (Array.isArray(v)) return checkArray(node, v, path)
    if (v && typeof v === 'object') return checkObject(node, v, path)
  }
  const checkString = (node, text, path) => {
    const length = codePointLength(text)
    if (node.minLength !== undefined && length < node.minLength) return add(path, 'min_length', { limit: node.minLength })
    if (node.maxLength !== undefined && length > node.maxLength) return add(path, 'max_length', { limit: node.maxLength })
    if (node.format && !matchesFormat(node.format, text)) return add(path, 'format', { format: node.format })
    if (node.pattern) {
      if (length > 1000) return add(path, 'pattern', {})
      const re = compilePattern(node.pattern)
      if (re && !re.test(text)) return add(path, 'pattern', {})
    }
  }
  const checkNumber = (node, n, path) => {
    if (node.minimum !== undefined && n < node.minimum) return add(path, 'minimum', { limit: node.minimum })
    if (node.exclusiveMinimum !== undefined && n <= node.exclusiveMinimum) return add(path, 'minimum', { limit: node.exclusiveMinimum, exclusive: true })
    if (node.maximum !== undefined && n > node.maximum) return add(path, 'maximum', { limit: node.maximum })
    if (node.exclusiveMaximum !== undefined && n >= node.exclusiveMaximum) return add(path, 'maximum', { limit: node.exclusiveMaximum, exclusive: true })
  }
  const checkObject = (node, obj, path) => {
    const props = node.properties || {}
    const required = new Set(node.required || [])
    for (const [name, child] of Object.entries(props)) {
      if (errors.length >= maxErrors) return
      const p = childPath(path, name)
      if (!(name in obj) || obj[name] === undefined) {
        if (required.has(name)) add(p, 'required')
        continue
      }
      check(child, obj[name], p)
    }
    if (node.additionalProperties === false) {
      for (const name of Object.keys(obj)) {
        if (!(name in props) && obj[name] !== undefined) add(childPath(path, name), 'unknown_field')
      }
    }
  }
  const checkArray = (node, arr, path) => {
    if (node.minItems !== undefined && arr.length < node.minItems) add(path, 'min_items', { limit: node.minItems })
    else if (node.maxItems !== undefined && arr.length > node.maxItems) add(path, 'max_items', { limit: node.maxItems })
    if (!node.items) return
    arr.forEach((item, i) => check(node.items, item, `${path}[${i}]`))
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    add('', 'type', { types: ['object'] })
    return errors
  }
  check(schema || {}, value, '')
  return errors
}

// Every declared property path, depth first, containers before their contents (FieldPaths()).
export function fieldPaths(schema, prefix = '') {
  const out = []
  for (const [name, child] of Object.entries(schema?.properties || {})) {
    const p = childPath(prefix, name)
    out.push(p)
    out.push(...fieldPaths(child, p))
  }
  return out
}

// The schema node at a dotted path, or null.
export function nodeAt(schema, path) {
  if (!path) return schema
  let node = schema
  for (const part of path.split('.')) {
    node = node?.properties?.[part]
    if (!node) return null
  }
  return node
}

// The editable model for a schema: every object property present, leaves undefined unless the
// initial value has them (a resumed draft).
export function emptyModel(schema, initial = {}) {
  const model = {}
  for (const [name, child] of Object.entries(schema?.properties || {})) {
    const start = initial && typeof initial === 'object' ? initial[name] : undefined
    if (mainType(child) === 'object') model[name] = emptyModel(child, start || {})
    else model[name] = start === undefined ? (child.default !== undefined ? child.default : undefined) : start
  }
  // Keep values the schema does not declare (an older draft), so the server can report them.
  if (initial && typeof initial === 'object') {
    for (const [k, v] of Object.entries(initial)) if (!(k in model)) model[k] = v
  }
  return model
}

const isBlank = (v) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

// The form to send: blank inputs are left out (a blank required field is "required", not an
// empty string that passes), text is trimmed, an optional nested object with nothing filled in
// is left out, a required one is kept (so its own required fields are reported by path).
export function toPayload(schema, model) {
  const out = {}
  const props = schema?.properties || {}
  const required = new Set(schema?.required || [])
  for (const [name, value] of Object.entries(model || {})) {
    const child = props[name]
    if (child && mainType(child) === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
      const inner = toPayload(child, value)
      if (Object.keys(inner).length > 0 || required.has(name)) out[name] = inner
      continue
    }
    if (isBlank(value)) continue
    out[name] = typeof value === 'string' ? value.trim() : value
  }
  return out
}

export function isRequired(parent, name) {
  return Array.isArray(parent?.required) && parent.required.includes(name)
}

export { TYPE_NAMES }
