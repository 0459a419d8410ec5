#!/usr/bin/env node
// CI's closing line over several test phases.
//
//   node tools/ci-summary.mjs save DIR        copies every project's .vitest/results.json under DIR
//   node tools/ci-summary.mjs LABEL=DIR...    one row per phase and project, then the closing
//                                             line "N passed, N failed, N skipped" over all phases
//   checks=FILE                               also counts the CI script's own steps ("PASS name" or
//                                             "FAIL name", one a line) as tests
//
// Projects: packages/*, examples/* and tools/* (the install test), as found.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countsRow, vitestCounts } from './vitest-counts.mjs';

const GROUPS = ['packages', 'examples', 'tools'];
const [first, ...rest] = process.argv.slice(2);

if (first === 'save') {
  const out = rest[0];
  if (!out) throw new Error('usage: ci-summary.mjs save DIR');
  let n = 0;
  for (const g of GROUPS) {
    if (!existsSync(g)) continue;
    for (const name of readdirSync(g)) {
      const file = join(g, name, '.vitest', 'results.json');
      if (!existsSync(file)) continue;
      mkdirSync(join(out, g), { recursive: true });
      cpSync(file, join(out, g, `${name}.json`));
      n++;
    }
  }
  console.log(`ci-summary: saved ${n} result files to ${out}`);
  process.exit(0);
}

const phases = [first, ...rest].filter(Boolean).map((arg) => {
  const eq = arg.indexOf('=');
  if (eq < 0) throw new Error(`expected LABEL=DIR, got '${arg}'`);
  return { label: arg.slice(0, eq), dir: arg.slice(eq + 1) };
});
let passed = 0;
let failed = 0;
let skipped = 0;
for (const { label, dir } of phases) {
  if (label === 'checks') {
    // Steps of the CI script itself (a quickstart, the build command), one "PASS name" / "FAIL name" a line.
    for (const line of existsSync(dir) ? readFileSync(dir, 'utf8').split('\n').filter(Boolean) : []) {
      const ok = line.startsWith('PASS ');
      if (ok) passed++;
      else failed++;
      console.log(`check    ${line}`);
    }
    continue;
  }
  let found = 0;
  for (const g of GROUPS) {
    if (!existsSync(join(dir, g))) continue;
    for (const f of readdirSync(join(dir, g)).sort()) {
      const c = vitestCounts(join(dir, g, f));
      passed += c.passed;
      failed += c.failed;
      skipped += c.skipped;
      found++;
      console.log(`${label.padEnd(8)} ${countsRow(`${g}/${f.replace(/\.json$/, '')}`, c)}`);
    }
  }
  if (found === 0) {
    console.log(`${label.padEnd(8)} no test results in ${dir}`);
    failed++;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
