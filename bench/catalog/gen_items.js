#!/usr/bin/env node
// Generates a large, valid service-item spreadsheet (UTF-8 CSV with the standard columns) from
// the demo catalog, for bench/catalog/run.sh. No npm packages.
//
//   node gen_items.js --demo demo.csv --departments data/catalog/departments.json \
//        --count 40000 --out items.csv
//
// demo.csv is `wangban catalog export --format csv` of a database seeded with `wangban seed
// --demo` (146 items). Every generated row is one of those items turned into a new basic item
// (基本编码) of the same type and sector: a local item (catalog segment 46) whose main item
// number is new for each demo item and whose sub item numbers are its variants, named after the
// demo item with a qualifier (a town or street of 海口, then also a category: "（长流镇）",
// "（长流镇·第二类）"). Each variant is implemented by the demo item's department and by the
// departments of the same sector in the districts (市场监管 龙华分局, the 龙华区 and 美兰区
// 民政局, the 美兰区 卫健委), each with its own region, level, consultation line and
// implementation code (基本编码 + 行政区划代码 + 实施主体编码 without hyphens). Variants are
// made round-robin over the demo items until --count rows exist, so every demo item has about
// the same number of descendants. The rest of each row (legal basis, conditions, materials,
// form, process, fees, FAQ) is the demo item's; only the promised limit is shortened by a day
// for some rows (never below 1, so instant items stay instant and promised <= legal holds).
//
// The CSV reader and writer follow RFC 4180 (quoted fields with commas, quotes and line breaks;
// CRLF, LF or CR line ends; an optional UTF-8 BOM), as the sheets module writes and reads.
'use strict';

const fs = require('fs');

function usage(msg) {
  if (msg) process.stderr.write(`gen_items: ${msg}\n`);
  process.stderr.write('usage: gen_items.js --demo FILE.csv --departments departments.json --count N --out FILE.csv\n');
  process.exit(2);
}

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  const v = process.argv[i + 1];
  if (!k.startsWith('--') || v === undefined) usage(`bad argument ${k}`);
  args[k.slice(2)] = v;
}
for (const k of ['demo', 'departments', 'count', 'out']) if (!args[k]) usage(`--${k} is required`);
const COUNT = Number.parseInt(args.count, 10);
if (!(COUNT > 0)) usage('--count must be a positive number');

// ---- RFC 4180 -------------------------------------------------------------------------------
function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let row = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quoted field in row ${rows.length + 1}`);
        cell += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          cell += '"';
          i++;
        } else {
          break;
        }
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        throw new Error(`text after a closing quote in row ${rows.length + 1}`);
      }
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\r' && text[j] !== '\n') j++;
      cell = text.slice(i, j);
      if (cell.includes('"')) throw new Error(`a quote inside an unquoted field in row ${rows.length + 1}`);
      i = j;
    }
    row.push(cell);
    if (i >= n) break;
    if (text[i] === ',') {
      i++;
      if (i === n) row.push('');  // a trailing comma: one more empty cell
      continue;
    }
    // a line end: CRLF, LF or CR
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    i++;
    rows.push(row);
    row = [];
  }
  if (row.length) rows.push(row);
  // blank lines (a row with one empty cell) carry nothing
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

function csvCell(s) {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// ---- input ----------------------------------------------------------------------------------
const demoRows = parseCsv(fs.readFileSync(args.demo, 'utf8'));
if (demoRows.length < 2) usage(`${args.demo} has no item rows`);
const header = demoRows[0];
const col = {};
header.forEach((h, i) => {
  col[h] = i;
});
const needed = ['事项名称', '基本编码', '实施编码', '事项类型', '行使层级', '实施主体', '实施主体编码', '行政区划代码',
  '办件类型', '法定办结时限', '承诺办结时限', '是否新核准事项', '咨询电话'];
for (const h of needed) if (!(h in col)) usage(`${args.demo} has no column ${h}`);
const items = demoRows.slice(1);
{
  // The reader and writer must be each other's inverse on the export (a warning only: another
  // writer may quote differently).
  const again = '\ufeff' + demoRows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
  if (again !== fs.readFileSync(args.demo, 'utf8')) {
    process.stderr.write(`gen_items: warning: ${args.demo} written back is not byte-identical\n`);
  }
}
for (const [k, r] of items.entries()) {
  if (r.length !== header.length) usage(`${args.demo} row ${k + 2} has ${r.length} cells, the header ${header.length}`);
}

const departments = JSON.parse(fs.readFileSync(args.departments, 'utf8'));
const deptByCode = new Map(departments.map((d) => [d.code, d]));
const LEVEL_NAME = {1: '国家级', 2: '省级', 3: '市级', 4: '县级', 5: '乡级', 6: '村级'};
// The level names the export writes, to check the rows read.
for (const r of items) {
  const d = deptByCode.get(r[col['实施主体编码']]);
  if (!d) usage(`unknown department ${r[col['实施主体编码']]} in ${args.demo}`);
  if (d.region !== r[col['行政区划代码']]) usage(`${r[col['实施编码']]}: region differs from its department's`);
  if (LEVEL_NAME[d.level] !== r[col['行使层级']]) {
    usage(`${r[col['实施编码']]}: level ${r[col['行使层级']]}, its department is at level ${d.level}`);
  }
}

// Departments of the same sector: HK-SCJG, HK-LH-SCJG; HK-MZJ, HK-LH-MZJ, HK-ML-MZJ; ...
const sectorKey = (code) => code.replace(/^HK-(LH|ML|XY|QS)-/, 'HK-');
const sectorDepts = new Map();
for (const d of departments) {
  const k = sectorKey(d.code);
  if (!sectorDepts.has(k)) sectorDepts.set(k, []);
  sectorDepts.get(k).push(d);
}
for (const list of sectorDepts.values()) list.sort((a, b) => a.level - b.level || a.code.localeCompare(b.code));

// Towns and streets of 海口's four districts, then categories: the qualifiers of the variants.
const PLACES = [
  '秀英街道', '海秀街道', '长流镇', '西秀镇', '海秀镇', '石山镇', '永兴镇', '东山镇',
  '中山街道', '滨海街道', '金贸街道', '大同街道', '海垦街道', '金宇街道', '城西镇', '龙桥镇', '新坡镇', '遵谭镇', '龙泉镇',
  '府城街道', '滨江街道', '国兴街道', '凤翔街道', '云龙镇', '红旗镇', '三门坡镇', '大坡镇', '甲子镇', '旧州镇', '龙塘镇',
  '海府街道', '博爱街道', '和平南街道', '白龙街道', '白沙街道', '人民路街道', '新埠街道', '海甸街道', '蓝天街道',
  '演丰镇', '三江镇', '大致坡镇', '灵山镇',
];
const CATEGORIES = ['第一类', '第二类', '第三类', '第四类', '第五类', '第六类', '第七类', '第八类'];
const QUALIFIERS = [...PLACES];
for (const c of CATEGORIES) for (const p of PLACES) QUALIFIERS.push(`${p}·${c}`);

function qualifiedName(name, k) {
  const q = QUALIFIERS[k];
  // "机动车驾驶证申领（初次申领）" -> "机动车驾驶证申领（初次申领·长流镇）"
  return name.endsWith('）') ? `${name.slice(0, -1)}·${q}）` : `${name}（${q}）`;
}

// ---- generation -----------------------------------------------------------------------------
const usedBasic = new Set(items.map((r) => r[col['基本编码']]));
const usedImpl = new Set(items.map((r) => r[col['实施编码']]));
const nextMain = new Map();  // "46" + type + sector -> next main item number to try
function newMainItem(basic) {
  const prefix = `46${basic.slice(2, 6)}`;
  let main = nextMain.get(prefix) || 101;
  for (;; main++) {
    if (main > 999) throw new Error(`no main item number left under ${prefix}`);
    const m = String(main).padStart(3, '0');
    let taken = false;
    for (const b of usedBasic) {
      if (b.startsWith(prefix + m)) {
        taken = true;
        break;
      }
    }
    if (!taken) break;
  }
  nextMain.set(prefix, main + 1);
  return prefix + String(main).padStart(3, '0');
}

const sources = items.map((r) => ({
  row: r,
  main: newMainItem(r[col['基本编码']]),
  impls: sectorDepts.get(sectorKey(r[col['实施主体编码']])),
}));

const out = fs.openSync(args.out, 'w');
let buffer = '\ufeff' + header.map(csvCell).join(',') + '\r\n';
let written = 0;
let variants = 0;
let shortened = 0;
const perDept = new Map();
const perRegion = new Map();
function emit(cells) {
  buffer += cells.map(csvCell).join(',') + '\r\n';
  if (buffer.length > 1 << 20) {
    fs.writeSync(out, buffer);
    buffer = '';
  }
  written++;
}

outer: for (let k = 0; ; k++) {
  if (k >= QUALIFIERS.length || k >= 999) throw new Error(`--count ${COUNT} needs more than ${k} variants per item`);
  variants = k + 1;
  for (const s of sources) {
    const basic = s.main + String(k + 1).padStart(3, '0');
    if (usedBasic.has(basic)) throw new Error(`basic code ${basic} generated twice`);
    usedBasic.add(basic);
    const name = qualifiedName(s.row[col['事项名称']], k);
    for (const [di, d] of s.impls.entries()) {
      if (written >= COUNT) break outer;
      const r = s.row.slice();
      const impl = basic + d.region + d.code.replace(/-/g, '');
      if (usedImpl.has(impl)) throw new Error(`implementation code ${impl} generated twice`);
      usedImpl.add(impl);
      r[col['事项名称']] = name;
      r[col['基本编码']] = basic;
      r[col['实施编码']] = impl;
      r[col['实施主体']] = d.name;
      r[col['实施主体编码']] = d.code;
      r[col['行政区划代码']] = d.region;
      r[col['行使层级']] = LEVEL_NAME[d.level];
      r[col['咨询电话']] = d.phone;
      if ('办理结果名称' in col && r[col['办理结果名称']] === s.row[col['事项名称']]) r[col['办理结果名称']] = name;
      const legal = Number.parseInt(r[col['法定办结时限']], 10);
      const promised = Number.parseInt(r[col['承诺办结时限']], 10);
      if (!(promised <= legal)) throw new Error(`${impl}: promised ${promised} > legal ${legal} in the demo row`);
      if (promised > 1 && (k + di) % 3 === 2) {
        r[col['承诺办结时限']] = String(promised - 1);  // still >= 1: 承诺件 stays 承诺件
        shortened++;
      }
      perDept.set(d.code, (perDept.get(d.code) || 0) + 1);
      perRegion.set(d.region, (perRegion.get(d.region) || 0) + 1);
      emit(r);
    }
  }
}
fs.writeSync(out, buffer);
fs.closeSync(out);

const bytes = fs.statSync(args.out).size;
process.stderr.write(
  `gen_items: wrote ${written} rows (${(bytes / 1048576).toFixed(1)} MiB) to ${args.out}: ` +
    `${sources.length} demo items, up to ${variants} variants of each, ` +
    `${(written / sources.length).toFixed(0)} rows per demo item on average; ` +
    `${perDept.size} departments, ${perRegion.size} regions ` +
    `(${[...perRegion].map(([r, n]) => `${r}: ${n}`).join(', ')}); ${shortened} promised limits shortened\n`,
);
