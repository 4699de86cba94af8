// Instances per second of the npm package bpmn-engine on the benchmark process
// (fork_join_xor.bpmn-engine.bpmn: the graph of our fork_join_xor.bpmn in bpmn-engine's syntax).
// run.sh installs the packages of package.json into a scratch folder and runs this file from
// there; see README.md.
//
//   node bpmn_engine_bench.js --bpmn FILE --reference OUR_FILE [--n N] [--warmup N]
//        [--load once|each] [--condition expression|script] [--concurrency C]
//
// --load once   parse the XML once and give every engine the serialized context (the fastest
//               way bpmn-engine offers to run one definition many times);
// --load each   give every engine the XML source, as bpmn-engine's examples do (parsed per run).
// --condition script  replace the condition with the JavaScript one bpmn-engine documents
//               (language="javascript", `next(null, ...)`, run in a node:vm context).
// --concurrency C  keep C instances in flight at once (default 1: await each to completion).
//
// Prints a human-readable line on stderr and one tab-separated row on stdout:
//   ROW  engine  mode  n  seconds  instances_per_second  cpu_microseconds_per_instance
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

import * as elements from 'bpmn-elements';
import { Engine } from 'bpmn-engine';
import BpmnModdle from 'bpmn-moddle';
import serializer, { TypeResolver } from 'moddle-context-serializer';

// bpmn-engine's exports map hides its package.json; find it next to the entry point (lib/).
const require = createRequire(import.meta.url);
const engineVersion = JSON.parse(
  readFileSync(join(dirname(require.resolve('bpmn-engine')), '..', 'package.json'), 'utf8')
).version;

function parseArgs(argv) {
  const o = { n: 10000, warmup: 200, load: 'once', condition: 'expression', concurrency: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value after ${arg}`);
      return argv[++i];
    };
    switch (arg) {
      case '--n': o.n = Number(value()); break;
      case '--warmup': o.warmup = Number(value()); break;
      case '--bpmn': o.bpmn = value(); break;
      case '--reference': o.reference = value(); break;
      case '--load': o.load = value(); break;
      case '--condition': o.condition = value(); break;
      case '--concurrency': o.concurrency = Number(value()); break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!o.bpmn) throw new Error('--bpmn is required');
  if (!(o.n > 0) || !(o.warmup >= 0) || !(o.concurrency >= 1)) throw new Error('bad --n, --warmup or --concurrency');
  if (!['once', 'each'].includes(o.load)) throw new Error('--load is once or each');
  if (!['expression', 'script'].includes(o.condition)) throw new Error('--condition is expression or script');
  return o;
}

// The graph of a BPMN text: its flow nodes by type, flows with their ends and whether they carry
// a condition, and gateway defaults. Extension attributes and condition syntax are left out.
async function graphOf(xml) {
  const { rootElement } = await new BpmnModdle().fromXML(xml);
  const processes = rootElement.rootElements.filter((e) => e.$type === 'bpmn:Process');
  const lines = [];
  for (const p of processes) {
    lines.push(`process ${p.id}`);
    for (const e of p.flowElements || []) {
      if (e.$type === 'bpmn:SequenceFlow') {
        lines.push(`flow ${e.id} ${e.sourceRef?.id} -> ${e.targetRef?.id}${e.conditionExpression ? ' [condition]' : ''}`);
      } else {
        lines.push(`${e.$type} ${e.id}${e.default ? ` default=${e.default.id}` : ''}`);
      }
    }
  }
  return lines.sort().join('\n');
}

// The documented JavaScript form of the same condition.
function withScriptCondition(xml) {
  const re = /<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">[^<]*<\/bpmn:conditionExpression>/g;
  const count = (xml.match(re) || []).length;
  if (count !== 1) throw new Error(`expected one condition in the benchmark process, found ${count}`);
  return xml.replace(
    re,
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">' +
      'next(null, environment.variables.form.amount &gt; 100)</bpmn:conditionExpression>'
  );
}

// Engine logs cost time even when debug output is off; bpmn-engine takes a Logger factory.
function SilentLogger() {
  const noop = () => {};
  return { debug: noop, error: noop, warn: noop };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let xml = readFileSync(o.bpmn, 'utf8');
  if (o.reference) {
    const [ours, theirs] = await Promise.all([graphOf(readFileSync(o.reference, 'utf8')), graphOf(xml)]);
    if (ours !== theirs) {
      throw new Error(`${o.bpmn} and ${o.reference} are not the same graph:\n--- ours\n${ours}\n--- bpmn-engine\n${theirs}`);
    }
  }
  if (o.condition === 'script') xml = withScriptCondition(xml);

  let sourceContext;
  if (o.load === 'once') {
    const moddleContext = await new BpmnModdle().fromXML(xml);
    sourceContext = serializer(moddleContext, TypeResolver(elements));
  }

  // The trivial service (bench.step in our engine) and the condition's comparison.
  const calls = { step: 0, large: 0, small: 0 };
  const services = {
    step(executionContext, callback) {
      calls.step++;
      if (this.id === 'handle_large') calls.large++;
      else if (this.id === 'handle_small') calls.small++;
      callback(null);
    },
    above(a, b) {
      return a > b;
    },
  };

  function runOne(i) {
    const amount = i % 2 === 0 ? 50 : 150;
    const engine = new Engine({
      name: `bench-${i}`,
      ...(sourceContext ? { sourceContext } : { source: xml }),
      services,
      Logger: SilentLogger,
    });
    return new Promise((resolve, reject) => {
      engine.execute({ variables: { form: { amount } } }, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  async function runMany(n, offset) {
    let next = 0;
    async function worker() {
      while (next < n) {
        const i = offset + next++;
        await runOne(i);
      }
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: Math.min(o.concurrency, n) }, worker));
    const cpu = process.cpuUsage(cpu0);
    return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }

  await runMany(o.warmup, 0);
  Object.assign(calls, { step: 0, large: 0, small: 0 });
  const { seconds, cpuSeconds } = await runMany(o.n, o.warmup);

  // Every instance ran its four service tasks and took the branch its amount calls for.
  const expectLarge = Math.floor((o.warmup + o.n) / 2) - Math.floor(o.warmup / 2);
  if (calls.step !== 4 * o.n || calls.large !== expectLarge || calls.small !== o.n - expectLarge) {
    throw new Error(
      `unexpected service calls: ${JSON.stringify(calls)} for ${o.n} instances (expected ${4 * o.n} steps, ${expectLarge} large)`
    );
  }

  const parts = [
    'memory',
    o.load === 'once' ? 'parsed once' : 'XML parsed per run',
    o.condition === 'script' ? 'JS script condition' : 'expression condition',
    o.concurrency === 1 ? 'sequential' : `${o.concurrency} concurrent`,
  ];
  const mode = parts.join(', ');
  const rate = o.n / seconds;
  const cpuMicros = (cpuSeconds * 1e6) / o.n; // this process, garbage collection included
  process.stderr.write(
    `bpmn-engine ${engineVersion}  ${mode}  N=${o.n}  ${seconds.toFixed(3)} s  ${rate.toFixed(0)} instances/s  ` +
      `${cpuMicros.toFixed(0)} us CPU each\n`
  );
  process.stdout.write(
    `ROW\tbpmn-engine ${engineVersion}\t${mode}\t${o.n}\t${seconds.toFixed(6)}\t${rate.toFixed(1)}\t${cpuMicros.toFixed(2)}\n`
  );
}

main().catch((err) => {
  process.stderr.write(`bpmn_engine_bench: ${err.stack || err}\n`);
  process.exit(1);
});
