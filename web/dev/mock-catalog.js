// A stand-in for the catalog routes while the server does not have them yet (development only:
// WANGBAN_MOCK=1 npm run dev | npm run preview). Reads ../data/catalog and answers the read
// routes in the shapes the front end codes against; everything else goes to the real server.
import fs from 'node:fs'
import path from 'node:path'

const TYPE_NAMES = { '01': '行政许可', '05': '行政给付', '07': '行政确认', '08': '行政奖励', '09': '行政裁决', '10': '其他行政权力', '20': '公共服务' }

function loadCatalog(dir) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
  const departments = read('departments.json')
  const regions = read('regions.json')
  const depName = new Map(departments.map((d) => [d.code, d.name]))
  const regName = new Map(regions.map((r) => [r.code, r.name]))
  const items = fs
    .readdirSync(path.join(dir, 'items'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const doc = read(path.join('items', f))
      return {
        ...doc,
        code: doc.implementation_code,
        version: 1,
        status: 'published',
        published_at: '2026-01-01T09:00:00+08:00',
        department_name: depName.get(doc.department) || doc.department,
        region_name: regName.get(doc.region) || doc.region,
        type_name: TYPE_NAMES[doc.type] || doc.type,
      }
    })
  return { departments, regions, items }
}

function summary(d) {
  const { code, basic_code, name, type, type_name, level, department, department_name, region, online, instant, legal_limit_days, promised_limit_days, audience, fees, process_key, version } = d
  return { code, basic_code, name, type, type_name, level, department, department_name, region, online, instant, legal_limit_days, promised_limit_days, audience, has_fees: fees.length > 0, process_key, version }
}

function figure(list) {
  const n = list.length || 1
  const online = list.filter((i) => i.online).length
  const instant = list.filter((i) => i.instant).length
  const half = list.filter((i) => i.promised_limit_days * 2 <= i.legal_limit_days).length
  const pct = (k) => Math.round((k / n) * 1000) / 10
  return { items: list.length, online, online_pct: pct(online), instant, instant_pct: pct(instant), promised_half: half, promised_half_pct: pct(half) }
}

function send(res, status, body) {
  res.statusCode = status
  res.setHeader('Content-Type', status >= 400 ? 'application/problem+json' : 'application/json')
  res.end(JSON.stringify(body))
}

export function mockCatalog({ dataDir }) {
  const middleware = (root) => {
    const catalog = loadCatalog(path.resolve(root, dataDir))
    return (req, res, next) => {
      const url = new URL(req.url, 'http://x')
      if (req.method !== 'GET') return next()
      const p = url.pathname
      if (p === '/api/v1/departments') return send(res, 200, { items: catalog.departments })
      if (p === '/api/v1/regions') return send(res, 200, { items: catalog.regions })
      if (p === '/api/v1/catalog/figures') {
        const deps = [...new Set(catalog.items.map((i) => i.department))]
        return send(res, 200, {
          overall: figure(catalog.items),
          by_department: deps.map((d) => ({ department: d, name: catalog.items.find((i) => i.department === d).department_name, ...figure(catalog.items.filter((i) => i.department === d)) })),
          by_level: [2, 3, 4].map((l) => ({ level: l, ...figure(catalog.items.filter((i) => i.level === l)) })),
        })
      }
      if (p === '/api/v1/items') {
        const q = (url.searchParams.get('q') || '').trim()
        const f = (k) => url.searchParams.get(k)
        let list = catalog.items.filter(
          (i) =>
            (!q || [i.name, ...i.aliases, ...i.keywords, i.implementation_code].some((s) => s.includes(q))) &&
            (!f('type') || i.type === f('type')) &&
            (!f('level') || String(i.level) === f('level')) &&
            (!f('department') || i.department === f('department')) &&
            (!f('region') || i.region === f('region')) &&
            (!f('audience') || i.audience.includes(f('audience'))) &&
            (!f('online') || String(i.online) === f('online')),
        )
        const total = list.length
        const start = Number(f('cursor') || 0)
        const limit = Math.min(Number(f('limit') || 20), 200)
        list = list.slice(start, start + limit)
        return send(res, 200, { items: list.map(summary), next_cursor: start + limit < total ? String(start + limit) : null, total })
      }
      const m = /^\/api\/v1\/items\/([^/]+)$/.exec(p)
      if (m && m[1] !== 'export') {
        const item = catalog.items.find((i) => i.code === decodeURIComponent(m[1]))
        return item ? send(res, 200, item) : send(res, 404, { status: 404, title: 'Not Found', code: 'not_found' })
      }
      return next()
    }
  }
  return {
    name: 'wangban-mock-catalog',
    configureServer(server) {
      server.middlewares.use(middleware(server.config.root))
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(server.config.root))
    },
  }
}
