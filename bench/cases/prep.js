#!/usr/bin/env node
// Preparation and top-up requests for bench/cases/run.sh, over keep-alive HTTP. No npm packages.
// These requests are not measured (wrk measures); this tool only makes the state to measure.
//
//   node prep.js drafts --port P --token T --item CODE --form JSON --materials JSON
//                       --count N --concurrency C --out FILE
//       N complete drafts: POST /api/v1/cases {item_code, form}, then one
//       PUT /api/v1/cases/{id}/materials/{code} per entry of --materials ({"M01": {...}, ...}).
//       Writes the ids of the drafts whose every request succeeded to FILE, one a line.
//
//   node prep.js post --port P --token T --ids FILE --path '/api/v1/cases/{id}/submit'
//                     --body JSON --concurrency C [--max-seconds S]
//       POSTs BODY to PATH (the id in place of {id}) once per id of FILE; with --max-seconds,
//       starts no request after S seconds (the ids left are not posted).
//
// Prints one line of key=value pairs on stdout: ok, failed, seconds, rps (requests per second,
// every request counted: a draft with two materials is three), and on stderr the first few
// failed answers. A 503 or a dropped connection is retried (up to 5 times): preparation is not a
// measurement. Exits 1 when nothing succeeded.
'use strict';

const fs = require('fs');
const http = require('http');

function usage(msg) {
  if (msg) process.stderr.write(`prep: ${msg}\n`);
  process.stderr.write('usage: prep.js drafts|post --port P --token T ... (see the header)\n');
  process.exit(2);
}

const mode = process.argv[2];
if (mode !== 'drafts' && mode !== 'post') usage(`unknown mode ${mode}`);
const args = {};
for (let i = 3; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  const v = process.argv[i + 1];
  if (!k.startsWith('--') || v === undefined) usage(`bad argument ${k}`);
  args[k.slice(2)] = v;
}
const need = mode === 'drafts' ? ['port', 'token', 'item', 'form', 'materials', 'count', 'out'] : ['port', 'token', 'ids', 'path', 'body'];
for (const k of need) if (args[k] === undefined) usage(`--${k} is required`);

const port = Number(args.port);
const concurrency = Number(args.concurrency || 32);
const maxSeconds = args['max-seconds'] ? Number(args['max-seconds']) : Infinity;
const agent = new http.Agent({keepAlive: true, maxSockets: concurrency});
const auth = `Bearer ${args.token}`;

let requests = 0;
const samples = [];
function sample(what, r) {
  if (samples.length < 5) samples.push(`${what}: ${r.status} ${String(r.body).slice(0, 400)}`);
}

function once(method, path, body) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          Authorization: auth,
          ...(data ? {'Content-Type': 'application/json', 'Content-Length': data.length} : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({status: res.statusCode, body: Buffer.concat(chunks).toString('utf8')}));
        res.on('error', (e) => resolve({status: 0, body: String(e)}));
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({status: 0, body: String(e)}));
    if (data) req.write(data);
    req.end();
  });
}

async function call(method, path, body) {
  let r;
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt) await new Promise((ok) => setTimeout(ok, 50 * attempt));
    r = await once(method, path, body);
    requests++;
    if (r.status !== 503 && r.status !== 0) break;
  }
  return r;
}

const t0 = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;

async function pool(count, fn) {
  let next = 0;
  const workers = [];
  for (let w = 0; w < Math.min(concurrency, count); w++) {
    workers.push(
      (async () => {
        for (;;) {
          if (elapsed() >= maxSeconds) return;
          const i = next++;
          if (i >= count) return;
          await fn(i);
        }
      })(),
    );
  }
  await Promise.all(workers);
}

async function main() {
  let ok = 0;
  let failed = 0;
  if (mode === 'drafts') {
    const count = Number(args.count);
    const createBody = JSON.stringify({item_code: args.item, form: JSON.parse(args.form)});
    const materials = Object.entries(JSON.parse(args.materials)).map(([code, m]) => [code, JSON.stringify(m)]);
    const ids = new Array(count).fill(null);
    await pool(count, async (i) => {
      const created = await call('POST', '/api/v1/cases', createBody);
      if (created.status !== 201) {
        failed++;
        sample('POST /api/v1/cases', created);
        return;
      }
      const id = JSON.parse(created.body).id;
      for (const [code, body] of materials) {
        const put = await call('PUT', `/api/v1/cases/${id}/materials/${code}`, body);
        if (put.status !== 200) {
          failed++;
          sample(`PUT materials/${code}`, put);
          return;
        }
      }
      ids[i] = id;
      ok++;
    });
    fs.writeFileSync(args.out, ids.filter((x) => x).map((x) => `${x}\n`).join(''));
  } else {
    const ids = fs.readFileSync(args.ids, 'utf8').split('\n').filter((x) => x);
    await pool(ids.length, async (i) => {
      const r = await call('POST', args.path.replace('{id}', ids[i]), args.body);
      if (r.status >= 200 && r.status < 300) {
        ok++;
      } else {
        failed++;
        sample(`POST ${args.path}`, r);
      }
    });
  }
  const secs = elapsed();
  agent.destroy();
  for (const s of samples) process.stderr.write(`prep: failed: ${s}\n`);
  console.log(`ok=${ok} failed=${failed} requests=${requests} seconds=${secs.toFixed(2)} rps=${(requests / secs).toFixed(0)}`);
  process.exit(ok > 0 ? 0 : 1);
}

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(130));
main().catch((e) => {
  process.stderr.write(`prep: ${e.stack || e}\n`);
  process.exit(1);
});
