#!/usr/bin/env node
// Compares two quickstart runs that differ only in the oneDNN precision: the
// BYOL pretraining loss curves (largest gap after smoothing) and the
// downstream test AUCs. Made with the CLI, same seed, tau, lr and steps
// (50 epochs = 300 optimizer steps of 8 x 2 micro-batches):
//
//   TFJS_ONEDNN_PRECISION=fp32 npx byolmed3d quickstart --out runs/fp32 --pretrain.epochs 50 --threads 1
//   TFJS_ONEDNN_PRECISION=bf16 npx byolmed3d quickstart --out runs/bf16 --pretrain.epochs 50 --threads 1
//   node packages/tfjs-onednn/bench/compare-precision.mjs runs/fp32 runs/bf16 [window]
//
// `window`: micro-batches of the centred moving average (default 40 = 20
// optimizer steps). Prints one JSON object.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [a, b, win = '40'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: compare-precision.mjs RUN_A RUN_B [window]');
  process.exit(2);
}
const runDir = (out) => join(out, 'runs', 'quickstart');
const losses = (out) => JSON.parse(readFileSync(join(runDir(out), 'pretrain', 'losses.json'), 'utf8')).losses;
/** Test AUC (Mann-Whitney, ties count half) of a result file's labels and scores. */
const auc = (labels, scores) => {
  let num = 0, pos = 0, neg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    pos++;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      num += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  for (const l of labels) if (l === 0) neg++;
  return pos && neg ? num / (pos * neg) : null;
};
const aucs = (out) => {
  const dir = join(runDir(out), 'results');
  const res = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    res[f.replace(/\.json$/, '')] = auc(r.labels, r.scores);
  }
  return res;
};
const smooth = (v, w) => v.map((_, i) => {
  const lo = Math.max(0, i - Math.floor(w / 2)), hi = Math.min(v.length, lo + w);
  let s = 0;
  for (let k = lo; k < hi; k++) s += v[k];
  return s / (hi - lo);
});
const la = losses(a), lb = losses(b);
if (la.length !== lb.length) throw new Error(`different lengths: ${la.length} vs ${lb.length}`);
const w = Number(win);
const sa = smooth(la, w), sb = smooth(lb, w);
let gap = 0, at = 0, rawGap = 0;
for (let i = 0; i < la.length; i++) {
  const d = Math.abs(sa[i] - sb[i]);
  if (d > gap) { gap = d; at = i; }
  rawGap = Math.max(rawGap, Math.abs(la[i] - lb[i]));
}
const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
const tail = Math.min(100, la.length);
console.log(JSON.stringify({
  microBatches: la.length,
  window: w,
  largestSmoothedGap: gap,
  atMicroBatch: at,
  smoothedThere: [sa[at], sb[at]],
  largestRawGap: rawGap,
  firstLoss: [la[0], lb[0]],
  meanLastMicroBatches: { n: tail, a: mean(la.slice(-tail)), b: mean(lb.slice(-tail)) },
  aucs: { a: aucs(a), b: aucs(b) },
}, null, 1));
