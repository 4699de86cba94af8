// Prints the size of what the first page loads: the entry chunk and CSS named by dist/index.html
// (raw and gzip), and the largest lazy chunks. Used by scripts/web-build.sh.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8')
const entry = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
const size = (f) => {
  const buf = fs.readFileSync(path.join(dist, f))
  return { raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length }
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`
let raw = 0
let gzip = 0
for (const f of entry) {
  const s = size(f)
  raw += s.raw
  gzip += s.gzip
  console.log(`entry  ${f.padEnd(40)} ${kb(s.raw).padStart(11)}  gzip ${kb(s.gzip).padStart(10)}`)
}
console.log(`main bundle (entry JS + CSS): ${kb(raw)}, gzip ${kb(gzip)}`)
const lazy = fs
  .readdirSync(path.join(dist, 'assets'))
  .filter((f) => f.endsWith('.js') && !entry.includes(`assets/${f}`))
  .map((f) => ({ f, ...size(`assets/${f}`) }))
  .sort((a, b) => b.raw - a.raw)
console.log(`lazy chunks: ${lazy.length}, largest: ${lazy.slice(0, 4).map((c) => `${c.f} ${kb(c.raw)} (gzip ${kb(c.gzip)})`).join(', ')}`)
