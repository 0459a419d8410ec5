/**
 * The torchvision golden tests shared by the resnet3d and kernel packages:
 * the committed `testdata/golden/*.json` (made by tools/fixtures from
 * torchvision with the golden formula's weights and input), and one run of a
 * model against a golden file on whatever backend is active.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formulaInputNdhwc, formulaStateDict } from './golden-formula.js';
import { maxRelErr, testdataPath } from './index.js';

/** One `testdata/golden/*.json` file: torchvision's outputs for the formula weights and input. */
export interface TorchvisionGolden<A extends string = string> {
  /** torchvision architecture name, e.g. `r3d_18`. */
  arch: A;
  /** Whether batch norm ran in training mode (batch statistics). */
  mode: 'eval' | 'train';
  /** PyTorch's input shape `[N, C, T, H, W]`. */
  input_shape_ncdhw: [number, number, number, number, number];
  /** torchvision's logits `[N][400]`. */
  logits: number[][];
  /** torchvision's pooled features `[N][512]`. */
  features: number[][];
  /** torchvision's parameter count. */
  param_count: number;
}

/** The golden files' names (`r3d_18_eval.json`, ...), sorted. */
export function goldenFiles(): string[] {
  return readdirSync(testdataPath('golden')).filter((f) => f.endsWith('.json')).sort();
}

/** Reads one golden file by name (see {@link goldenFiles}). */
export function readGolden<A extends string = string>(file: string): TorchvisionGolden<A> {
  return JSON.parse(readFileSync(join(testdataPath('golden'), file), 'utf8')) as TorchvisionGolden<A>;
}

/** A model initializer of zeros: skips the random init when the formula weights replace it anyway. */
export const zerosInit = (_name: string, _torchShape: number[], _kind: string, tfShape: number[]): tf.Tensor => tf.zeros(tfShape);

/** What {@link goldenErrors} needs of a model (resnet3d's `VideoResNet` fits). */
export interface GoldenModel {
  stateDict(): Record<string, { shape: number[] }>;
  /** Takes what `formulaStateDict(stateDict())` gives (typed `never` here so any model's own entry type fits). */
  loadStateDict(entries: never, options: { strict: boolean }): unknown;
  apply(x: tf.Tensor5D, options: { training: boolean }): { features: tf.Tensor; logits?: tf.Tensor | null };
}

/** What {@link goldenErrors} measured. */
export interface GoldenErrors {
  /** {@link maxRelErr} of the features against torchvision's. */
  features: number;
  /** {@link maxRelErr} of the logits against torchvision's (`Infinity` when the model gave none). */
  logits: number;
  /** Shapes of the outputs. */
  featuresShape: number[];
  logitsShape: number[] | null;
}

/**
 * Loads the formula weights into `model` (strict; unless `load` is false),
 * runs it on the golden's formula input on the active backend (training-mode
 * batch norm for a `train` golden), reads the outputs asynchronously (so it
 * works on webgpu) and returns their errors against torchvision's. Throws on
 * a tensor leak of the forward pass.
 */
export async function goldenErrors(model: GoldenModel, g: TorchvisionGolden, { load = true }: { load?: boolean } = {}): Promise<GoldenErrors> {
  if (load) model.loadStateDict(formulaStateDict(model.stateDict()) as never, { strict: true });
  const before = tf.memory().numTensors;
  const [n, c, t, h, w] = g.input_shape_ncdhw;
  const x = tf.tensor5d(formulaInputNdhwc(g.input_shape_ncdhw), [n, t, h, w, c]);
  const out = model.apply(x, { training: g.mode === 'train' });
  const logits = out.logits ?? null;
  const [f, l] = await Promise.all([out.features.data(), logits ? logits.data() : Promise.resolve(new Float32Array(0))]);
  const shapes = { featuresShape: out.features.shape, logitsShape: logits ? logits.shape : null };
  tf.dispose([x, out.features, ...(logits ? [logits] : [])]);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak in the golden forward pass: ${before} tensors before, ${after} after`);
  return { features: maxRelErr(f as Float32Array, g.features.flat()), logits: logits ? maxRelErr(l as Float32Array, g.logits.flat()) : Infinity, ...shapes };
}

/**
 * {@link goldenErrors} of a fresh model on one golden file: `create` makes the
 * model for the golden's architecture (e.g. `createVideoResNet(arch, {
 * initializer: zerosInit })`), which is disposed afterwards, also on failure.
 *
 * @returns the errors, and the golden's mode (for mode-dependent tolerances)
 */
export async function runGolden<A extends string>(file: string, create: (arch: A) => GoldenModel & { dispose(): void }): Promise<GoldenErrors & { mode: 'eval' | 'train' }> {
  const g = readGolden<A>(file);
  const model = create(g.arch);
  try {
    return { ...(await goldenErrors(model, g)), mode: g.mode };
  } finally {
    model.dispose();
  }
}
