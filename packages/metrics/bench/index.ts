// Benchmarks of @byolmed3d/metrics: rocAuc throughput on 10 million scores
// (with ties) against sklearn.metrics.roc_auc_score (Debian's /usr/bin/python3,
// same data) when it is present, plus DeLong, the bootstrap, kNN and a
// linear probe. Run: npm run bench (root) or npx tsx bench/index.ts here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapMetrics, delong, delongTest, knnClassify, linearProbe, rocAuc } from '@byolmed3d/metrics';
import { Random } from '@byolmed3d/util';
import { timeIt, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
const N = 10_000_000;
const REPEATS = 3;

function makeData(n: number, seed: number): { y: Uint8Array; s: Float64Array } {
  const rng = new Random(seed);
  const y = new Uint8Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.next() < 0.3 ? 1 : 0;
    // Scores rounded to 1e-4: many ties, as with quantised model outputs.
    s[i] = Math.round((rng.normal() + (y[i] as number)) * 1e4) / 1e4;
  }
  return { y, s };
}

interface Peer {
  seconds: number;
  auc: number;
  bootstrapSeconds: number;
}

function sklearnPeer(y: Uint8Array, s: Float64Array): Peer | undefined {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) {
    console.log('sklearn peer skipped: /usr/bin/python3 not found');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'metrics-bench-'));
  try {
    writeFileSync(join(dir, 'y.u8'), y);
    writeFileSync(join(dir, 's.f64'), new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    const r = spawnSync(py, [join(here, 'sklearn_peer.py'), join(dir, 'y.u8'), join(dir, 's.f64'), '1'], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      console.log(`sklearn peer skipped: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
      return undefined;
    }
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Peer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: BenchRow[] = [];
const { y, s } = makeData(N, 1);
let auc = 0;
const ms = await timeIt(() => (auc = rocAuc(y, s)), { repeats: REPEATS, warmup: 1 });
const peer = sklearnPeer(y, s);
if (peer && Math.abs(peer.auc - auc) > 1e-9) throw new Error(`rocAuc ${auc} disagrees with sklearn ${peer.auc}`);
rows.push({
  case: 'rocAuc, 10M float64 scores with ties',
  unit: 'M scores/s',
  value: N / 1e6 / (ms / 1000),
  ...(peer ? { peer: { name: 'sklearn roc_auc_score', value: N / 1e6 / peer.seconds } } : {}),
  notes: `ours ${ms.toFixed(0)} ms, AUC ${auc.toFixed(6)}${peer ? `; sklearn ${(peer.seconds * 1000).toFixed(0)} ms, same AUC` : ''}`,
});

const yb = y.subarray(0, 1000);
const sb = s.subarray(0, 1000);
const msBoot = await timeIt(() => bootstrapMetrics(yb, sb, { nBoot: 2000, metrics: ['auc'], requireProbabilities: false }), { repeats: 3 });
rows.push({
  case: 'stratified bootstrap of AUC, n=1000, 2000 resamples',
  unit: 'ms',
  value: msBoot,
  higherIsBetter: false,
  ...(peer ? { peer: { name: 'numpy resampling + roc_auc_score', value: peer.bootstrapSeconds * 1000 } } : {}),
});
const msAll = await timeIt(() => bootstrapMetrics(yb, sb, { nBoot: 2000, requireProbabilities: false }), { repeats: 3 });
rows.push({ case: 'stratified bootstrap of all 16 metrics, n=1000, 2000 resamples', unit: 'ms', value: msAll, higherIsBetter: false });

const y1 = y.subarray(0, 1_000_000);
const s1 = s.subarray(0, 1_000_000);
const s2 = Float64Array.from(s1, (v, i) => v + ((i * 7919) % 1000) / 2000);
const msDelong = await timeIt(() => delong(y1, s1), { repeats: 1, warmup: 1 });
rows.push({ case: 'DeLong variance, 1M cases', unit: 'ms', value: msDelong, higherIsBetter: false });
const msPaired = await timeIt(() => delongTest(y1, s1, s2), { repeats: 1, warmup: 0 });
rows.push({ case: 'paired DeLong test, 1M cases', unit: 'ms', value: msPaired, higherIsBetter: false });

// Embedding evaluation at the size of an MRNet split with 512-d r3d_18 features.
const d = 512;
const nTr = 1130;
const nTe = 120;
const rng = new Random(3);
const feats = (n: number): { data: Float32Array; labels: number[] } => {
  const data = new Float32Array(n * d);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.next() < 0.2 ? 1 : 0;
    labels.push(c);
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (j < 16 ? c * 0.5 : 0);
  }
  return { data, labels };
};
const tr = feats(nTr);
const te = feats(nTe);
const train = { data: tr.data, shape: [nTr, d] as const, labels: tr.labels };
const query = { data: te.data, shape: [nTe, d] as const, labels: te.labels };
const msKnn = await timeIt(() => knnClassify(train, query, { k: 20 }), { repeats: 3 });
rows.push({ case: `kNN (cosine, k=20), ${nTr} train x ${nTe} query x ${d}-d`, unit: 'ms', value: msKnn, higherIsBetter: false });
let iters = 0;
const msProbe = await timeIt(() => (iters = linearProbe(train, query, { C: 0.1 }).model.iterations), { repeats: 1, warmup: 0 });
rows.push({ case: `linear probe (L2 logistic, L-BFGS), ${nTr} x ${d}-d`, unit: 'ms', value: msProbe, higherIsBetter: false, notes: `${iters} L-BFGS iterations` });

writeBenchResult('metrics', rows, { n: N, repeats: REPEATS, sklearnRepeats: 1 });
