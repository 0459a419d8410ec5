// Cost of the objectives around the encoder, on the active tfjs backend
// (pure-JS cpu here), next to PyTorch 1.13 (Debian's /usr/bin/python3, one
// thread) on the same work when it is present:
// - the target EMA update of r3d_18's 60 parameter tensors (33.2M floats),
//   paid once per OPTIMIZER step (not per micro-batch);
// - one training step of BYOL, SimSiam and SimCLR with a dense stand-in
//   encoder (8x32x32 clip -> 512 features) and the seed paper's heads
//   (512 -> 2048 -> 128), micro-batch 8, SGD.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { BYOL, EMA, Linear, SEED_PAPER_HEAD, SimCLR, SimSiam, type Encoder, type EncoderOutput, type SelfSupervisedLearner } from '@byolmed3d/byol';
import { timeIt, useBackend, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/** r3d_18's parameter shapes (fc removed), in PyTorch layout: 60 tensors, 33,166,272 floats. */
function r3d18Shapes(): number[][] {
  const shapes: number[][] = [[64, 3, 3, 7, 7], [64], [64]];
  let cin = 64;
  for (const cout of [64, 128, 256, 512]) {
    for (let block = 0; block < 2; block++) {
      const inC = block === 0 ? cin : cout;
      shapes.push([cout, inC, 3, 3, 3], [cout], [cout], [cout, cout, 3, 3, 3], [cout], [cout]);
      if (block === 0 && cout !== cin) shapes.push([cout, cin, 1, 1, 1], [cout], [cout]);
    }
    cin = cout;
  }
  return shapes;
}

class DenseEncoder implements Encoder {
  readonly featureDim = 512;
  private readonly fc: Linear;
  private static n = 0;
  constructor() {
    this.fc = new Linear(`bench_dense_${++DenseEncoder.n}/fc`, 8192, 512, { initKey: 'fc' });
  }
  apply(x: tf.Tensor): EncoderOutput {
    return tf.tidy(() => ({ features: tf.relu(this.fc.apply(tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D)) }));
  }
  get trainableVariables(): tf.Variable[] {
    return this.fc.trainableVariables;
  }
  clone(): DenseEncoder {
    const c = new DenseEncoder();
    c.trainableVariables.forEach((v, i) => v.assign(this.trainableVariables[i] as tf.Variable));
    return c;
  }
  dispose(): void {
    this.fc.dispose();
  }
}

function torchPeer(kase: string): number | undefined {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return undefined;
  const r = spawnSync(py, [join(here, 'torch_peer.py'), kase, String(SECONDS)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`torch peer skipped (${kase}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return undefined;
  }
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ms: number }).ms;
}

function repeatsFor(msGuess: number): number {
  return Math.max(3, Math.min(50, Math.round((SECONDS * 1000) / Math.max(msGuess, 1))));
}

async function main(): Promise<void> {
  await useBackend(process.env.BENCH_BACKEND ?? 'cpu');
  const rows: BenchRow[] = [];
  const notes = `tfjs ${tf.getBackend()} backend; PyTorch 1 thread`;

  // EMA update over r3d_18-sized parameters.
  const shapes = r3d18Shapes();
  const target = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 0.01, 'float32', i), false, `bench_ema_t/${i}`)));
  const online = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 0.01, 'float32', 1000 + i), true, `bench_ema_o/${i}`)));
  const floats = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  const ema = new EMA(target, online);
  const first = performance.now();
  ema.update(0.99);
  const emaMs = await timeIt(() => ema.update(0.99), { repeats: repeatsFor(performance.now() - first), warmup: 0 });
  const emaPeer = torchPeer('ema');
  rows.push({
    case: `target EMA update, r3d_18 parameters (${shapes.length} tensors, ${(floats / 1e6).toFixed(1)}M floats)`,
    unit: 'ms/update',
    value: emaMs,
    higherIsBetter: false,
    ...(emaPeer === undefined ? {} : { peer: { name: 'PyTorch 1.13 mul_/add_', value: emaPeer } }),
    notes,
  });
  tf.dispose([...target, ...online]);

  // One training step per objective.
  const a = tf.randomNormal([8, 8, 32, 32, 1], 0, 1, 'float32', 1);
  const b = tf.randomNormal([8, 8, 32, 32, 1], 0, 1, 'float32', 2);
  const makers: Record<string, (enc: Encoder, opt: tf.Optimizer) => SelfSupervisedLearner> = {
    byol: (enc, optimizer) => new BYOL(enc, { optimizer, projector: SEED_PAPER_HEAD, predictor: SEED_PAPER_HEAD, tauBase: 0.99, totalSteps: 1000 }),
    simsiam: (enc, optimizer) => new SimSiam(enc, { optimizer, projector: { ...SEED_PAPER_HEAD, outputNorm: false }, predictor: SEED_PAPER_HEAD }),
    simclr: (enc, optimizer) => new SimCLR(enc, { optimizer, projector: SEED_PAPER_HEAD, temperature: 0.1 }),
  };
  for (const [name, make] of Object.entries(makers)) {
    const enc = new DenseEncoder();
    const opt = tf.train.sgd(0.05);
    const learner = make(enc, opt);
    learner.step(a, b);
    const t0 = performance.now();
    learner.step(a, b);
    const ms = await timeIt(() => learner.step(a, b), { repeats: repeatsFor(performance.now() - t0), warmup: 0 });
    const peer = torchPeer(name);
    rows.push({
      case: `${name} step: dense 8x32x32 -> 512 encoder, heads 512-2048-128, micro-batch 8, SGD`,
      unit: 'ms/step',
      value: ms,
      higherIsBetter: false,
      ...(peer === undefined ? {} : { peer: { name: 'PyTorch 1.13', value: peer } }),
      notes,
    });
    learner.dispose({ encoder: true });
    opt.dispose();
  }
  tf.dispose([a, b]);
  writeBenchResult('byol', rows, { seconds: SECONDS });
}

await main();
