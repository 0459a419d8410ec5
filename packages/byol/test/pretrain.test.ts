/**
 * End-to-end: BYOL pretrains a tiny encoder on a seeded synthetic clip set
 * in which only what two views share carries the class; a linear probe on
 * held-out clips then shows the encoder learned something a random encoder
 * lacks, and the projections never collapse.
 *
 * Data: 4 classes of 4x8x8 clips, a line through the centre (horizontal,
 * vertical, diagonal, anti-diagonal), jittered by up to one pixel per clip.
 * The two views of a clip differ only in nuisance: 3 random Gaussian
 * distractor blobs of random sign and amplitude up to 2, an intensity scale
 * (0.7 to 1.3) and offset (±0.5), and Gaussian noise (sd 0.3). The nuisance
 * carries most of the pixel variance, so 16 random features mostly keep
 * nuisance; features invariant across views must keep the line.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { BYOL, type StepStats } from '@byolmed3d/byol';
import { Random } from '@byolmed3d/util';
import { TinyEncoder } from './tiny-encoder.js';

const T = 4;
const S = 8;
const CLIP = T * S * S;
const CLASSES = 4;


/** A clean clip of class `cls`: a line of the class's orientation through the centre, jittered by `p`. */
function cleanClip(cls: number, p: number): Float32Array {
  const out = new Float32Array(CLIP);
  const c = Math.floor(S / 2) + p;
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const on = cls === 0 ? y === c : cls === 1 ? x === c : cls === 2 ? x - y === p : x + y === S - 1 + p;
        if (on) out[(t * S + y) * S + x] = 1;
      }
    }
  }
  return out;
}

/** One augmented view: random distractor blobs, intensity scale / offset, noise. */
function view(clip: Float32Array, rng: Random): Float32Array {
  const scale = 0.7 + 0.6 * rng.next();
  const offset = -0.5 + 2 * 0.5 * rng.next();
  const out = new Float32Array(CLIP);
  const blobs = Array.from({ length: 3 }, () => ({ t: Math.floor(rng.next() * T), y: rng.next() * S, x: rng.next() * S, a: (rng.next() * 2 - 1) * 2 }));
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        let v = scale * (clip[(t * S + y) * S + x] as number) + offset + 0.3 * rng.normal();
        for (const b of blobs) v += b.a * Math.exp(-((y - b.y) ** 2 + (x - b.x) ** 2) / 2) * (t === b.t ? 1 : 0.5);
        out[(t * S + y) * S + x] = v;
      }
    }
  }
  return out;
}

interface Dataset {
  clips: Float32Array[];
  labels: number[];
}

function dataset(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const clips: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % CLASSES;
    clips.push(cleanClip(cls, Math.floor(rng.next() * 3) - 1));
    labels.push(cls);
  }
  return { clips, labels };
}

function batch(arrays: Float32Array[]): tf.Tensor5D {
  const data = new Float32Array(arrays.length * CLIP);
  arrays.forEach((a, i) => data.set(a, i * CLIP));
  return tf.tensor5d(data, [arrays.length, T, S, S, 1]);
}

/** Ridge regression onto one-hot labels (closed form), on standardised features; returns held-out accuracy. */
function ridgeProbeAccuracy(train: number[][], trainY: number[], test: number[][], testY: number[], lambda = 1): number {
  const d = (train[0] as number[]).length;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const r of train) r.forEach((v, j) => (mean[j]! += v / train.length));
  for (const r of train) r.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / train.length));
  const std = (r: number[]) => [...r.map((v, j) => (v - mean[j]!) / Math.sqrt(sd[j]! + 1e-8)), 1];
  const X = train.map(std);
  const D = d + 1;
  // A = X^T X + lambda I (bias not penalised), B = X^T Y.
  const A = Array.from({ length: D }, (_, i) => new Array<number>(D).fill(0).map((_, j) => (i === j && i < d ? lambda : 0)));
  const B = Array.from({ length: D }, () => new Array<number>(CLASSES).fill(0));
  X.forEach((r, n) => {
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) A[i]![j]! += r[i]! * r[j]!;
      B[i]![trainY[n]!]! += r[i]!;
    }
  });
  // Gauss-Jordan with partial pivoting: W = A^-1 B.
  for (let c = 0; c < D; c++) {
    let piv = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    [B[c], B[piv]] = [B[piv]!, B[c]!];
    const p = A[c]![c]!;
    for (let r = 0; r < D; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / p;
      if (f === 0) continue;
      for (let j = 0; j < D; j++) A[r]![j]! -= f * A[c]![j]!;
      for (let j = 0; j < CLASSES; j++) B[r]![j]! -= f * B[c]![j]!;
    }
  }
  const W = B.map((row, i) => row.map((v) => v / A[i]![i]!));
  let correct = 0;
  test.map(std).forEach((r, n) => {
    const scores = new Array<number>(CLASSES).fill(0);
    for (let i = 0; i < D; i++) for (let k = 0; k < CLASSES; k++) scores[k]! += r[i]! * W[i]![k]!;
    if (scores.indexOf(Math.max(...scores)) === testY[n]) correct++;
  });
  return correct / test.length;
}

function features(encoder: TinyEncoder, clips: Float32Array[]): number[][] {
  return tf.tidy(() => {
    const x = batch(clips);
    const f = encoder.apply(x, { training: false }).features;
    return f.arraySync();
  });
}

describe('BYOL pretraining on synthetic clips', () => {
  it('does not collapse and beats the same encoder with random weights on a held-out linear probe', async () => {
    await useBackend();
    const steps = 250;
    const batchSize = 16;
    const pool = dataset(512, 1);
    const probeTrain = dataset(256, 2);
    const probeTest = dataset(256, 3);
    // The probe sees nuisance too: one random view of each clip.
    const probeRng = new Random(4);
    const probeTrainX = probeTrain.clips.map((c) => view(c, probeRng));
    const probeTestX = probeTest.clips.map((c) => view(c, probeRng));

    const encoderOptions = { inputSize: CLIP, hidden: 32, featureDim: 16, seed: 11 };
    const randomEncoder = new TinyEncoder(encoderOptions);
    const randomAcc = ridgeProbeAccuracy(features(randomEncoder, probeTrainX), probeTrain.labels, features(randomEncoder, probeTestX), probeTest.labels);

    const encoder = new TinyEncoder(encoderOptions);
    const optimizer = tf.train.adam(5e-3);
    const byol = new BYOL(encoder, {
      optimizer,
      projector: { hiddenDim: 32, outputDim: 8 },
      predictor: { hiddenDim: 32, outputDim: 8 },
      tauBase: 0.99,
      totalSteps: steps,
      seed: 3,
    });
    const rng = new Random(5);
    const log: StepStats[] = [];
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const idx = Array.from({ length: batchSize }, () => Math.floor(rng.next() * pool.clips.length));
      const a = batch(idx.map((i) => view(pool.clips[i]!, rng)));
      const b = batch(idx.map((i) => view(pool.clips[i]!, rng)));
      const st = s === steps - 1 ? await expectNoLeaks(() => byol.step(a, b)) : byol.step(a, b);
      log.push(st);
      tf.dispose([a, b]);
    }
    const seconds = (performance.now() - t0) / 1000;
    const trainedAcc = ridgeProbeAccuracy(features(encoder, probeTrainX), probeTrain.labels, features(encoder, probeTestX), probeTest.labels);
    const healthy = 1 / Math.sqrt(8);
    const minStd = Math.min(...log.slice(10).map((l) => l.projectionStd));
    const mean = (xs: StepStats[], k: keyof StepStats) => xs.reduce((s, l) => s + (l[k] as number), 0) / xs.length;
    console.log(
      `BYOL tiny pretrain: ${steps} steps in ${seconds.toFixed(1)} s; loss ${mean(log.slice(0, 10), 'loss').toFixed(3)} -> ${mean(log.slice(-10), 'loss').toFixed(3)}; ` +
        `projection std ${mean(log.slice(0, 10), 'projectionStd').toFixed(3)} -> ${mean(log.slice(-10), 'projectionStd').toFixed(3)} (min ${minStd.toFixed(3)}, healthy ~${healthy.toFixed(3)}); ` +
        `view cosine ${mean(log.slice(0, 10), 'viewCosine').toFixed(3)} -> ${mean(log.slice(-10), 'viewCosine').toFixed(3)}; tau ${log[0]!.tau!.toFixed(4)} -> ${log.at(-1)!.tau!.toFixed(4)}; ` +
        `probe accuracy random ${randomAcc.toFixed(3)} vs BYOL ${trainedAcc.toFixed(3)}`,
    );

    expect(log.at(-1)!.step).toBe(steps);
    // No collapse: the spread of normalised projections stays a sizeable fraction of 1/sqrt(D).
    expect(minStd).toBeGreaterThan(0.5 * healthy);
    // The loss went down and the two views' projections agree more than at the start.
    expect(mean(log.slice(-20), 'loss')).toBeLessThan(mean(log.slice(0, 20), 'loss'));
    expect(mean(log.slice(-20), 'viewCosine')).toBeGreaterThan(mean(log.slice(0, 20), 'viewCosine'));
    // The probe: clearly better than the same architecture with random weights.
    expect(trainedAcc).toBeGreaterThan(randomAcc + 0.15);

    byol.dispose({ encoder: true });
    randomEncoder.dispose();
    optimizer.dispose();
  });
});
