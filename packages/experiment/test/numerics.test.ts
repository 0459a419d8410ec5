import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultConfig, mergeConfig, selectBackend } from '@byolmed3d/experiment';
import { changedFields, classWeights, evalClips, evalWindows, examMeans, planPretrain, positiveProba, pretrainConfigHash, pretrainFields, toMatrix, weightedBceWithLogits, MRNET_NORMALIZE } from '@byolmed3d/experiment/internal';

describe("the experiment's own numerics", () => {
  it('classWeights balance the classes (n / 2n_c) and are 1 when not balanced', () => {
    expect(classWeights([1, 0, 0, 0], true)).toEqual({ pos: 2, neg: 4 / 6 });
    expect(classWeights([1, 0, 0, 0], false)).toEqual({ pos: 1, neg: 1 });
    expect(classWeights([0, 0], true)).toEqual({ pos: 1, neg: 0.5 }); // no positives: no division by zero
  });

  it('weightedBceWithLogits equals the textbook formula and stays finite for large logits', async () => {
    await selectBackend({ backend: 'cpu' });
    const z = [-3, 0.5, 2, 80, -80], y = [0, 1, 1, 0, 1], w = [1, 2, 1, 0.5, 1];
    // -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = y softplus(-z) + (1 - y) softplus(z)
    const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
    const want = z.reduce((s, zi, i) => s + w[i]! * (y[i]! * softplus(-zi) + (1 - y[i]!) * softplus(zi)), 0) / z.length;
    const t = [tf.tensor2d(z, [5, 1]), tf.tensor2d(y, [5, 1]), tf.tensor2d(w, [5, 1])] as const;
    const l = weightedBceWithLogits(t[0], t[1], t[2]);
    expect((await l.data())[0]).toBeCloseTo(want, 4);
    tf.dispose([...t, l]);
  });

  it('examMeans average consecutive clips; positiveProba takes the second column; toMatrix stacks rows', () => {
    expect(examMeans([0.2, 0.4, 1, 0], 2)).toEqual([0.30000000000000004, 0.5]);
    expect(positiveProba(Float64Array.of(0.9, 0.1, 0.3, 0.7))).toEqual([0.1, 0.7]);
    expect(toMatrix([Float32Array.of(1, 2), Float32Array.of(3, 4)])).toEqual({ data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] });
  });

  it('evalWindows spreads windows evenly, centres a single one and repeats the last slice of short stacks', () => {
    expect(evalWindows(10, 4, 1)).toEqual([[3, 4, 5, 6]]);
    expect(evalWindows(10, 4, 2)).toEqual([[2, 3, 4, 5], [4, 5, 6, 7]]);
    expect(evalWindows(3, 5, 1)).toEqual([[0, 1, 2, 2, 2]]);
  });

  it('evalClips are centre crops normalised once with the MRNet statistics', () => {
    const cfg = mergeConfig(defaultConfig(), { data: { frames: 2, crop: 8, channels: 3, testClips: 1 } });
    const data = new Float32Array(3 * 10 * 10).map((_, i) => (i % 100) / 100); // [3, 10, 10, 1], values in [0, 1)
    const [c] = evalClips({ data, shape: [3, 10, 10, 1] }, cfg);
    expect(c!.shape).toEqual([2, 8, 8, 3]);
    // first output voxel: slice 0, row 1, column 1 of the input, every channel
    const v = (0.11 - MRNET_NORMALIZE.mean) / MRNET_NORMALIZE.std;
    for (let k = 0; k < 3; k++) expect(c!.data[k]).toBeCloseTo(v, 5);
  });

  it('planPretrain counts whole optimizer steps and refuses a plan with none', () => {
    const cfg = mergeConfig(defaultConfig(), { pretrain: { microBatch: 4, accumulation: 3, epochs: 5 } });
    expect(planPretrain(cfg, 25)).toEqual({ exams: 25, stepsPerEpoch: 2, totalSteps: 10 });
    expect(() => planPretrain(cfg, 11)).toThrow(/11 train exams are fewer than microBatch x accumulation = 4 x 3/);
  });

  it('the pretraining config hash follows the pretraining fields only', () => {
    const a = defaultConfig();
    const h = pretrainConfigHash(a);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(pretrainConfigHash(mergeConfig(a, { finetune: { lr: 1 }, pretrain: { checkpointEvery: 3 }, backend: 'cpu' }))).toBe(h);
    const b = mergeConfig(a, { seed: 7, pretrain: { lr: 0.1 } });
    expect(pretrainConfigHash(b)).not.toBe(h);
    expect(changedFields(pretrainFields(a), pretrainFields(b))).toEqual(['pretrain.lr', 'seed']);
  });
});
