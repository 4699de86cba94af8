// The one way the SPA talks to wangban: same-origin fetch with the session cookie, the
// X-Requested-With header the server's CSRF check wants on cookie-authenticated writes (sent on
// every request: harmless on reads), and problem+json turned into ApiError.

export class ApiError extends Error {
  // problem: the parsed application/problem+json body (or a synthetic one for network errors).
  constructor(problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`)
    this.name = 'ApiError'
    this.status = problem.status ?? 0
    this.code = problem.code || (problem.status ? `http_${problem.status}` : 'network')
    this.title = problem.title || ''
    this.detail = problem.detail || ''
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    this.retryAfter = problem.retryAfter
    this.problem = problem
  }
}

// Listeners told about every 401, so the session store can forget the user.
const unauthorizedListeners = new Set()
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn)
  return () => unauthorizedListeners.delete(fn)
}

export function buildQuery(params = {}) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

async function problemFrom(response) {
  let body = null
  const type = response.headers.get('Content-Type') || ''
  try {
    if (type.includes('json')) body = await response.json()
  } catch {
    body = null
  }
  const problem = body && typeof body === 'object' ? body : {}
  problem.status = problem.status || response.status
  if (!problem.title) problem.title = response.statusText
  const retry = response.headers.get('Retry-After')
  if (retry) problem.retryAfter = Number(retry)
  return new ApiError(problem)
}

// request('GET', '/api/v1/me') → parsed JSON, text, Blob (as: 'blob'), or null for 204.
export async function request(method, url, { body, headers = {}, as, raw = false, signal } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json, application/problem+json', 'X-Requested-With': 'XMLHttpRequest', ...headers },
    signal,
  }
  if (body !== undefined) {
    if (raw) {
      init.body = body
    } else {
      init.headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
  }
  let response
  try {
    response = await fetch(url, init)
  } catch (e) {
    if (e && e.name === 'AbortError') throw e
    throw new ApiError({ status: 0, code: 'network', title: String(e && e.message ? e.message : e) })
  }
  if (!response.ok) {
    const error = await problemFrom(response)
    if (error.status === 401) unauthorizedListeners.forEach((fn) => fn(error))
    throw error
  }
  if (response.status === 204) return null
  if (as === 'blob') return response.blob()
  if (as === 'text') return response.text()
  const type = response.headers.get('Content-Type') || ''
  if (type.includes('json')) return response.json()
  return response.text()
}

export const get = (url, params, opts) => request('GET', url + buildQuery(params), opts)
export const post = (url, body, opts) => request('POST', url, { ...opts, body })
export const put = (url, body, opts) => request('PUT', url, { ...opts, body })
export const patch = (url, body, opts) => request('PATCH', url, { ...opts, body })
export const del = (url, opts) => request('DELETE', url, opts)

// Uploads a File/Blob as the raw request body (POST /api/v1/files) with progress, which fetch
// cannot report. onProgress receives 0..100. Resolves to {id, sha256, size, media_type}.
export function uploadFile(file, { onProgress, url = '/api/v1/files', XHR = globalThis.XMLHttpRequest } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XHR()
    xhr.open('POST', url)
    xhr.withCredentials = true
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest')
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    // Header values must be ISO-8859-1: Chinese file names travel percent-encoded.
    xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name || 'file'))
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    if (xhr.upload && onProgress) {
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
      }
    }
    xhr.onload = () => {
      let body = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        body = null
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(100)
        resolve(body)
      } else {
        const problem = body && typeof body === 'object' ? body : {}
        problem.status = problem.status || xhr.status
        if (problem.status === 401) unauthorizedListeners.forEach((fn) => fn(problem))
        reject(new ApiError(problem))
      }
    }
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network', title: 'network error' }))
    xhr.send(file)
  })
}
