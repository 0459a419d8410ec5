#!/usr/bin/env node
// Sums the vitest JSON reports of every project (packages/*, examples/*,
// tools/*; written by `nx run-many -t test`) into one closing line:
// "N passed, N failed, N skipped".
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { countsRow, vitestCounts } from './vitest-counts.mjs';

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const dir of ['packages', 'examples', 'tools']) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, '.vitest', 'results.json');
    if (!existsSync(file)) continue;
    const c = vitestCounts(file);
    passed += c.passed;
    failed += c.failed;
    skipped += c.skipped;
    rows.push(countsRow(`${dir}/${name}`, c));
  }
}
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
