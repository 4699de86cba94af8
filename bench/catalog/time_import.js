#!/usr/bin/env node
// Runs one `wangban catalog import ...` and times its phases from its progress output, for
// bench/catalog/run.sh. No npm packages.
//
//   node time_import.js LOG -- /path/to/wangban catalog import FILE --publish ...
//
// The importer prints "reading FILE" once the file is read, "checking N rows" once the CSV is
// parsed, "\rwriting K/N" after every 1000 items written inside the one import transaction, and
// "imported ..." on stdout after the commit. Each of those is stamped with the time since the
// start (the stamped lines go to LOG); the peak RSS is read from /proc every 100 ms. Prints one
// line of key=value pairs:
//
//   rc        exit status
//   wall      seconds, start to exit
//   parse     start to "checking": process start, reading the file, parsing the CSV
//   check     "checking" to the first write: the row checks (ItemsFromTable, form schemas),
//             canonical documents, opening the database, the department references; estimated
//             as (time to "writing 1000") - (the average time of 1000 writes)
//   write     the writes (drafts and publications, search index), the same estimate's rest
//   commit    "writing N/N" to exit: the commit (one fsync on SQLite) and the exit
//   first_rps / last_rps   write rate over the first and the last fifth of the rows
//   rss_mib   peak resident memory
//   result    the importer's last stdout line, spaces as '_'
//
// SIGTERM and SIGINT are passed on to the importer.
'use strict';

const fs = require('fs');
const {spawn} = require('child_process');

const sep = process.argv.indexOf('--');
if (sep !== 3 || process.argv.length < 5) {
  process.stderr.write('usage: time_import.js LOG -- COMMAND ARGS...\n');
  process.exit(2);
}
const logFile = process.argv[2];
const [cmd, ...cmdArgs] = process.argv.slice(sep + 1);

const t0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - t0) / 1e9;
const stamps = [];  // [seconds, text]
let stdout = '';
let partial = '';
let rssKib = 0;

const child = spawn(cmd, cmdArgs, {stdio: ['ignore', 'pipe', 'pipe']});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    child.kill('SIGTERM');
  });
}
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => {
  stdout += d;
  for (const line of d.split('\n')) if (line.trim()) stamps.push([now(), line.trim()]);
});
child.stderr.setEncoding('utf8');
child.stderr.on('data', (d) => {
  const parts = (partial + d).split(/[\r\n]/);
  partial = parts.pop();
  const t = now();
  for (const p of parts) if (p.trim()) stamps.push([t, p.trim()]);
});

const poll = setInterval(() => {
  try {
    const m = /^VmHWM:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) rssKib = Math.max(rssKib, Number(m[1]));
  } catch {
    // gone
  }
}, 100);

child.on('close', (code, signal) => {
  clearInterval(poll);
  const wall = now();
  if (partial.trim()) stamps.push([wall, partial.trim()]);
  fs.writeFileSync(logFile, stamps.map(([t, s]) => `${t.toFixed(3)} ${s}`).join('\n') + '\n');

  const at = (re) => {
    const s = stamps.find(([, text]) => re.test(text));
    return s ? s[0] : null;
  };
  const writes = [];  // [seconds, rows written]
  let total = 0;
  for (const [t, text] of stamps) {
    const m = /^writing (\d+)\/(\d+)$/.exec(text);
    if (m) {
      writes.push([t, Number(m[1])]);
      total = Number(m[2]);
    }
  }
  const out = {rc: code === null ? 128 + (require('os').constants.signals[signal] || 0) : code, wall: wall.toFixed(2)};
  const checking = at(/^checking \d+ rows/);
  if (checking !== null) out.parse = checking.toFixed(2);
  if (checking !== null && writes.length >= 2 && writes[writes.length - 1][1] === total) {
    const [tFirst, nFirst] = writes[0];
    const [tLast, nLast] = writes[writes.length - 1];
    const perRow = (tLast - tFirst) / (nLast - nFirst);
    const check = Math.max(0, tFirst - checking - perRow * nFirst);
    out.check = check.toFixed(2);
    out.write = (tLast - checking - check).toFixed(2);
    out.commit = (wall - tLast).toFixed(2);
    // Rates over the first and the last fifth (measured between progress lines).
    const rate = (from, to) => {
      const a = writes.reduce((best, w) => (Math.abs(w[1] - from) < Math.abs(best[1] - from) ? w : best));
      const b = writes.reduce((best, w) => (Math.abs(w[1] - to) < Math.abs(best[1] - to) ? w : best));
      return b[1] > a[1] && b[0] > a[0] ? ((b[1] - a[1]) / (b[0] - a[0])).toFixed(0) : '-';
    };
    out.first_rps = rate(nFirst, total / 5);
    out.last_rps = rate((4 * total) / 5, total);
  } else if (checking !== null && writes.length) {
    out.commit = (wall - writes[writes.length - 1][0]).toFixed(2);
  }
  out.rss_mib = (rssKib / 1024).toFixed(0);
  const lines = stdout.trim().split('\n');
  out.result = (lines[lines.length - 1] || '').replace(/\s+/g, '_') || '-';
  console.log(Object.entries(out).map(([k, v]) => `${k}=${v}`).join(' '));
  process.exit(0);
});
