import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CheckpointError, mergeConfig, parseConfig, presets, selectBackend } from '@byolmed3d/experiment';
import { buildPretrainModel, restoreState, type PretrainModel, type TensorEntry } from '@byolmed3d/experiment/internal';

// The tiny preset: 4 frames of 16x16, 1 channel, micro-batch 2 x 2 accumulation.
const cfg = parseConfig(mergeConfig(parseConfig({}), presets.tiny!));
const SHAPE: [number, number, number, number, number] = [2, 4, 16, 16, 1];

function views(seed: number): [tf.Tensor5D, tf.Tensor5D] {
  return [tf.randomUniform(SHAPE, 0, 1, 'float32', seed) as tf.Tensor5D, tf.randomUniform(SHAPE, 0, 1, 'float32', seed + 1) as tf.Tensor5D];
}

function train(m: PretrainModel, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const [a, b] = views(100 + 2 * i);
    m.learner.step(a, b);
    tf.dispose([a, b]);
  }
}

/** The model's training state as checkpoint entries (what pretraining saves: learner/ and accumulator/). */
async function state(m: PretrainModel): Promise<Record<string, TensorEntry>> {
  const out: Record<string, TensorEntry> = {};
  const add = async (prefix: string, list: Array<{ name: string; tensor: tf.Tensor }>): Promise<void> => {
    for (const { name, tensor } of list) {
      out[`${prefix}${name}`] = { shape: [...tensor.shape], dtype: tensor.dtype === 'int32' ? 'int32' : 'float32', data: Float32Array.from(await tensor.data()) };
      tensor.dispose();
    }
  };
  await add('learner/', m.learner.getWeights());
  await add('accumulator/', (await m.accumulator.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
  return out;
}

const encoderValues = (m: PretrainModel): Float32Array[] => m.encoder.trainableVariables.map((v) => v.dataSync() as Float32Array);

describe('pretraining state restore', () => {
  it('restores exactly into a model built after another one (other tfjs variable names), mid-window', async () => {
    await selectBackend({ backend: 'cpu' });
    const a = buildPretrainModel(cfg, 10);
    train(a, 0, 3); // one optimizer step and half a window
    expect([a.accumulator.step, a.accumulator.microStep]).toEqual([1, 1]);
    const saved = await state(a);
    expect(Object.keys(saved).some((k) => k.startsWith('accumulator/optimizer/#0/'))).toBe(true);
    expect(Object.keys(saved).filter((k) => k.startsWith('accumulator/') && k.includes(a.encoder.trainableVariables[0]!.name))).toEqual([]);

    const other = buildPretrainModel(cfg, 10); // the process builds another model first
    const b = buildPretrainModel(cfg, 10);
    expect(b.encoder.trainableVariables[0]!.name).not.toBe(a.encoder.trainableVariables[0]!.name);
    await restoreState(b, saved, 'step-00000001.ckpt');
    expect([b.accumulator.step, b.accumulator.microStep, b.learner.optimizerStep]).toEqual([1, 1, 1]);
    train(a, 3, 6);
    train(b, 3, 6);
    expect([b.accumulator.step, b.accumulator.microStep]).toEqual([3, 0]);
    const want = encoderValues(a);
    encoderValues(b).forEach((v, i) => expect(Buffer.compare(Buffer.from(v.buffer), Buffer.from(want[i]!.buffer)), `variable ${i}`).toBe(0));

    // A checkpoint that names the state by tfjs variable names this process lacks: a CheckpointError naming the file.
    const byName = Object.fromEntries(Object.entries(saved).map(([k, e]) => [k.replace('accumulator/gradAccum/sum/#0', 'accumulator/gradAccum/sum/r3d_18_999/stem.0.weight'), e]));
    const c = buildPretrainModel(cfg, 10);
    await expect(restoreState(c, byName, 'old.ckpt')).rejects.toThrow(CheckpointError);
    await expect(restoreState(c, byName, 'old.ckpt')).rejects.toThrow(/old\.ckpt.*'r3d_18_999\/stem\.0\.weight', which this process does not have/);
    for (const m of [a, other, b, c]) m.dispose();
  }, 120_000);
});
