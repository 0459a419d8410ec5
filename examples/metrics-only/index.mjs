#!/usr/bin/env node
// Scores and labels in, a clinical evaluation out: AUROC with DeLong's
// confidence interval, sensitivity and specificity at the Youden threshold
// with stratified bootstrap CIs, DeLong's paired test of two models, and a
// ROC plot as PNG and SVG. No tfjs: @byolmed3d/metrics works on plain arrays.
//
//   node index.mjs scores.csv [--out roc-out] [--n-boot 2000] [--seed 0] [--logits]
//   node index.mjs --tiny      # seeded synthetic scores, checks, exits non-zero on failure
//
// The CSV has a header: a `label` column (0/1), one or two score columns
// (any names; every column other than `label`, `id` and `split` is a model),
// and optionally a `split` column (`tune` / `test`): the Youden threshold is
// then chosen on the tune rows and evaluated on the test rows.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Random } from '@byolmed3d/util';
import { Checklist, startScript } from '@byolmed3d/util/node';
import {
  bootstrapMetrics,
  delong,
  delongTest,
  rocAuc,
  rocChart,
  sigmoid,
  writeChart,
  youdenThreshold,
} from '@byolmed3d/metrics';

const { values: args, positionals } = startScript({
  positional: 'scores.csv',
  flags: { out: null, nBoot: 2000, seed: 0, logits: false },
  tiny: { nBoot: 500 },
});
const { check, finish } = new Checklist();

/**
 * Seeded binormal scores of two correlated models (A stronger than B) as a CSV
 * with a tune/test split.
 * @param {number} n
 * @param {number} seed
 * @returns {string}
 */
function syntheticCsv(n, seed) {
  const rng = new Random(seed);
  const lines = ['id,split,label,model_a,model_b'];
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.3 ? 1 : 0;
    const shared = rng.normal();
    const a = 1.6 * y + 0.8 * shared + 0.6 * rng.normal();
    const b = 0.9 * y + 0.8 * shared + 0.6 * rng.normal();
    const split = i % 3 === 0 ? 'tune' : 'test';
    lines.push(`case${i},${split},${y},${(1 / (1 + Math.exp(-a))).toFixed(6)},${(1 / (1 + Math.exp(-b))).toFixed(6)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Parses the score CSV.
 * @param {string} text
 * @param {string} file
 * @returns {{ labels: number[], split: (string | null)[], models: { name: string, scores: number[] }[] }}
 */
function parseScores(text, file) {
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.split(',').map((c) => c.trim()));
  const header = rows.shift();
  if (!header) throw new Error(`${file}: empty file`);
  const li = header.indexOf('label');
  if (li < 0) throw new Error(`${file}: no 'label' column in the header (${header.join(', ')})`);
  const si = header.indexOf('split');
  const modelCols = header.map((h, i) => [h, i]).filter(([h]) => h !== 'label' && h !== 'id' && h !== 'split');
  if (modelCols.length === 0 || modelCols.length > 2) throw new Error(`${file}: expected one or two score columns, got ${modelCols.length}`);
  /** @type {number[]} */
  const labels = [];
  /** @type {(string | null)[]} */
  const split = [];
  const models = modelCols.map(([name]) => ({ name: String(name), scores: /** @type {number[]} */ ([]) }));
  rows.forEach((r, k) => {
    const y = Number(r[li]);
    if (y !== 0 && y !== 1) throw new Error(`${file}: row ${k + 2}: label must be 0 or 1, got ${r[li]}`);
    labels.push(y);
    split.push(si >= 0 ? (r[si] ?? null) : null);
    modelCols.forEach(([, i], m) => {
      const v = Number(r[/** @type {number} */ (i)]);
      if (!Number.isFinite(v)) throw new Error(`${file}: row ${k + 2}: score ${r[/** @type {number} */ (i)]} is not a number`);
      /** @type {{ scores: number[] }} */ (models[m]).scores.push(v);
    });
  });
  return { labels, split, models };
}

/** @param {number} v */
const f3 = (v) => v.toFixed(3);
/** @param {[number, number] | { lower: number, upper: number }} ci */
const fci = (ci) => (Array.isArray(ci) ? `[${f3(ci[0])}, ${f3(ci[1])}]` : `[${f3(ci.lower)}, ${f3(ci.upper)}]`);

const seed = args.seed;
const nBoot = args.nBoot;
let csvPath;
let outDir;
if (args.tiny) {
  outDir = args.out ? resolve(args.out) : mkdtempSync(join(tmpdir(), 'byolmed3d-metrics-only-'));
  mkdirSync(outDir, { recursive: true });
  csvPath = join(outDir, 'scores.csv');
  writeFileSync(csvPath, syntheticCsv(300, seed));
  console.log(`tiny: wrote 300 seeded synthetic cases to ${csvPath}`);
} else {
  csvPath = resolve(/** @type {string} */ (positionals[0]));
  outDir = resolve(args.out ?? 'roc-out');
}

const data = parseScores(readFileSync(csvPath, 'utf8'), csvPath);
for (const m of data.models) {
  if (args.logits) m.scores = Array.from(sigmoid(m.scores));
  else if (m.scores.some((s) => s < 0 || s > 1)) {
    throw new Error(`${m.name}: scores outside [0, 1]; pass --logits if they are raw logits (they are turned into probabilities with a sigmoid)`);
  }
}

// The Youden threshold is chosen on tuning cases and evaluated on test cases
// (choosing it on the test cases is optimistic).
const hasSplit = data.split.some((s) => s === 'tune');
/**
 * @param {'tune' | 'test'} which
 * @param {number[]} v
 */
const pick = (which, v) => (hasSplit ? v.filter((_, i) => data.split[i] === which) : v);
const testLabels = pick('test', data.labels);
const tuneLabels = pick('tune', data.labels);
console.log(
  `${csvPath}: ${data.labels.length} cases, ${data.models.length} model(s)` +
    (hasSplit ? `; threshold chosen on ${tuneLabels.length} tune cases, metrics on ${testLabels.length} test cases` : '; no split column: threshold chosen on the same cases (optimistic)'),
);
console.log(`test: ${testLabels.filter((y) => y === 1).length} positives, ${testLabels.filter((y) => y === 0).length} negatives`);

const results = [];
for (const m of data.models) {
  const test = pick('test', m.scores);
  const tune = pick('tune', m.scores);
  const d = delong(testLabels, test);
  const youden = youdenThreshold(tuneLabels, tune);
  const boot = bootstrapMetrics(testLabels, test, {
    threshold: youden.threshold,
    nBoot,
    seed,
    metrics: ['auc', 'sensitivity', 'specificity'],
  });
  const sens = /** @type {import('@byolmed3d/metrics').ConfidenceInterval} */ (boot.sensitivity);
  const spec = /** @type {import('@byolmed3d/metrics').ConfidenceInterval} */ (boot.specificity);
  console.log(`\n${m.name}`);
  console.log(`  AUROC        ${f3(d.auc)}  95% CI ${fci(d.ci)} (DeLong), ${fci(boot.auc)} (bootstrap, ${nBoot} resamples)`);
  console.log(`  Youden threshold ${youden.threshold.toFixed(4)} (J = ${f3(youden.j)} on the ${hasSplit ? 'tune' : 'same'} cases)`);
  console.log(`  sensitivity  ${f3(sens.estimate)}  95% CI ${fci(sens)}`);
  console.log(`  specificity  ${f3(spec.estimate)}  95% CI ${fci(spec)}`);
  results.push({ model: m, test, d, youden, boot, sens, spec });
}

let paired;
if (data.models.length === 2) {
  const [a, b] = /** @type {[typeof results[0], typeof results[0]]} */ (results);
  paired = delongTest(testLabels, a.test, b.test);
  console.log(`\npaired DeLong test, ${a.model.name} vs ${b.model.name}:`);
  console.log(`  AUC difference ${f3(paired.difference)}  95% CI ${fci(paired.ci)}  z = ${paired.z.toFixed(2)}  p = ${paired.pValue.toPrecision(3)}`);
}

const chart = rocChart(results.map((r) => ({ name: r.model.name, labels: testLabels, scores: r.test })), { title: 'ROC curve (test cases)' });
const png = await writeChart(join(outDir, 'roc.png'), chart);
const svg = await writeChart(join(outDir, 'roc.svg'), chart);
console.log(`\nwrote ${png} and ${svg}`);

if (args.tiny) {
  console.log('\nchecks:');
  /**
   * Mann-Whitney AUC by brute force, O(n^2), ties count 1/2.
   * @param {number[]} y
   * @param {number[]} s
   */
  const bruteAuc = (y, s) => {
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 1) continue;
      for (let j = 0; j < y.length; j++) {
        if (y[j] !== 0) continue;
        const si = /** @type {number} */ (s[i]);
        const sj = /** @type {number} */ (s[j]);
        sum += si > sj ? 1 : si === sj ? 0.5 : 0;
        pairs++;
      }
    }
    return sum / pairs;
  };
  for (const r of results) {
    const n = r.model.name;
    check(Math.abs(r.d.auc - bruteAuc(testLabels, r.test)) < 1e-12, `${n}: DeLong AUC ${f3(r.d.auc)} equals the brute-force Mann-Whitney AUC`);
    check(Math.abs(r.d.auc - rocAuc(testLabels, r.test)) < 1e-12, `${n}: rocAuc agrees with delong`);
    check(r.d.ci[0] < r.d.auc && r.d.auc < r.d.ci[1] && r.d.se > 0, `${n}: DeLong CI ${fci(r.d.ci)} contains the AUC, se ${r.d.se.toFixed(4)} > 0`);
    check(r.d.auc > 0.6, `${n}: informative synthetic model has AUC > 0.6`);
    for (const [name, ci] of /** @type {const} */ ([['sensitivity', r.sens], ['specificity', r.spec], ['bootstrap AUC', r.boot.auc]])) {
      check(ci.lower <= ci.estimate && ci.estimate <= ci.upper && ci.lower < ci.upper && ci.nBoot === nBoot, `${n}: ${name} CI ${fci(ci)} brackets ${f3(ci.estimate)}`);
    }
    const again = bootstrapMetrics(testLabels, r.test, { threshold: r.youden.threshold, nBoot, seed, metrics: ['sensitivity'] });
    check(again.sensitivity?.lower === r.sens.lower && again.sensitivity?.upper === r.sens.upper, `${n}: same seed gives the same bootstrap CI`);
    // Sensitivity at the threshold recomputed by hand on the test cases.
    const tp = r.test.filter((s, i) => testLabels[i] === 1 && s >= r.youden.threshold).length;
    const np = testLabels.filter((y) => y === 1).length;
    check(Math.abs(r.sens.estimate - tp / np) < 1e-12, `${n}: sensitivity ${f3(r.sens.estimate)} = ${tp}/${np} positives at or above the threshold`);
  }
  if (paired) {
    const [a, b] = /** @type {[typeof results[0], typeof results[0]]} */ (results);
    check(Math.abs(paired.difference - (a.d.auc - b.d.auc)) < 1e-12, `paired test difference ${f3(paired.difference)} = AUC A - AUC B`);
    check(paired.pValue >= 0 && paired.pValue <= 1 && paired.ci[0] < paired.difference && paired.difference < paired.ci[1], `paired test p = ${paired.pValue.toPrecision(3)} in [0, 1], CI brackets the difference`);
    check(paired.difference > 0, 'the stronger synthetic model A has the larger AUC');
    const self = delongTest(testLabels, a.test, a.test);
    check(self.z === 0 && self.pValue === 1, 'a model compared with itself gives z = 0, p = 1');
  }
  const pngBytes = readFileSync(png);
  check(pngBytes.length > 1000 && pngBytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `roc.png is a PNG (${pngBytes.length} bytes)`);
  const w = pngBytes.readUInt32BE(16);
  const h = pngBytes.readUInt32BE(20);
  check(w > 100 && h > 100, `roc.png is ${w}x${h}`);
  const svgText = readFileSync(svg, 'utf8');
  check(svgText.startsWith('<svg') && svgText.trimEnd().endsWith('</svg>') && svgText.includes(data.models[0]?.name ?? '?'), 'roc.svg is an SVG document naming the models');
  finish('metrics-only', { cleanup: () => !args.out && rmSync(outDir, { recursive: true, force: true }) }); // keep them with --tiny --out DIR
}
