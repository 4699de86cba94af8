import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildQuery, onUnauthorized, request, uploadFile } from '../src/api/client.js'

describe('api client', () => {
  const realFetch = globalThis.fetch
  afterEach(() => (globalThis.fetch = realFetch))

  it('builds queries without empty values', () => {
    expect(buildQuery({ q: '施工 许可', type: '', online: false, level: null, limit: 20 })).toBe('?q=%E6%96%BD%E5%B7%A5+%E8%AE%B8%E5%8F%AF&online=false&limit=20')
    expect(buildQuery({})).toBe('')
  })

  it('turns problem+json into an ApiError and tells 401 listeners', async () => {
    globalThis.fetch = vi.fn(async () => new Response(JSON.stringify({ title: 'Unauthorized', status: 401, code: 'unauthorized' }), { status: 401, headers: { 'Content-Type': 'application/problem+json' } }))
    const heard = vi.fn()
    const off = onUnauthorized(heard)
    const error = await request('GET', '/api/v1/me').catch((e) => e)
    off()
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(401)
    expect(error.code).toBe('unauthorized')
    expect(heard).toHaveBeenCalledTimes(1)
  })

  it('reads Retry-After and survives bodies that are not JSON', async () => {
    globalThis.fetch = vi.fn(async () => new Response('busy', { status: 429, headers: { 'Retry-After': '30', 'Content-Type': 'text/plain' } }))
    const error = await request('POST', '/api/v1/sessions', { body: {} }).catch((e) => e)
    expect(error.status).toBe(429)
    expect(error.code).toBe('http_429')
    expect(error.retryAfter).toBe(30)
  })

  it('reports network failures as code "network" and returns null for 204', async () => {
    globalThis.fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    expect((await request('GET', '/x').catch((e) => e)).code).toBe('network')
    globalThis.fetch = vi.fn(async () => new Response(null, { status: 204 }))
    expect(await request('DELETE', '/api/v1/sessions/current')).toBe(null)
  })

  it('uploads a raw body with its type, a percent-encoded name, the CSRF header and progress', async () => {
    const sent = {}
    class FakeXHR {
      constructor() {
        this.upload = {}
        this.headers = {}
      }
      open(method, url) {
        Object.assign(sent, { method, url })
      }
      setRequestHeader(k, v) {
        this.headers[k] = v
      }
      send(body) {
        sent.body = body
        sent.headers = this.headers
        sent.withCredentials = this.withCredentials
        this.upload.onprogress({ lengthComputable: true, loaded: 50, total: 100 })
        this.status = 201
        this.responseText = JSON.stringify({ id: 'f1', sha256: 'ab', size: 3, media_type: 'application/pdf' })
        this.onload()
      }
    }
    const file = new File(['abc'], '施工合同.pdf', { type: 'application/pdf' })
    const progress = []
    const stored = await uploadFile(file, { onProgress: (p) => progress.push(p), XHR: FakeXHR })
    expect(stored.id).toBe('f1')
    expect(sent.method).toBe('POST')
    expect(sent.url).toBe('/api/v1/files')
    expect(sent.headers['Content-Type']).toBe('application/pdf')
    expect(sent.headers['X-File-Name']).toBe(encodeURIComponent('施工合同.pdf'))
    expect(sent.headers['X-Requested-With']).toBe('XMLHttpRequest')
    expect(sent.withCredentials).toBe(true)
    expect(progress).toEqual([50, 100])
  })
})
