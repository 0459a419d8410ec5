#!/usr/bin/env node
// `npm run bench`: runs every package's `bench` script (one at a time, so
// timings do not compete), then prints one table from bench/results/*.json.
// Benchmarks are not tests: nothing here asserts a time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const args = ['nx', 'run-many', '-t', 'bench', '--parallel=1', '--outputStyle=stream'];
if (only.length > 0) args.push('-p', ...only);
const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } });

const dir = join('bench', 'results');
const rows = [];
if (existsSync(dir)) {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (const row of doc.rows ?? []) rows.push({ bench: doc.name, ...row });
  }
}
const fmt = (x) => (x === undefined ? '' : Number(x).toPrecision(4));
const table = [['bench', 'case', 'unit', 'ours', 'peer', 'peer value', 'ours/peer']];
for (const row of rows) {
  let ratio = '';
  if (row.peer && row.peer.value > 0 && row.value > 0) {
    const x = row.higherIsBetter === false ? row.peer.value / row.value : row.value / row.peer.value;
    ratio = x.toFixed(2) + 'x';
  }
  table.push([row.bench, row.case, row.unit, fmt(row.value), row.peer?.name ?? '', fmt(row.peer?.value), ratio]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
const line = (r) => '| ' + r.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
console.log('\n' + line(table[0]));
console.log('| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
for (const row of table.slice(1)) console.log(line(row));
console.log(`\n${rows.length} rows from ${dir}/ ('ours/peer' > 1 means we are faster or better)`);
process.exitCode = r.status ?? 1;
