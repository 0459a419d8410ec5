import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm1d } from './batchnorm1d.js';
import { check } from './errors.js';
import { Linear } from './linear.js';
import { uniqueScope } from './names.js';

/** Sizes and normalisation of a projector or predictor head. */
export interface HeadSpec {
  /** Width of the hidden layer; default 4096 (BYOL paper; the seed paper uses 2048). */
  hiddenDim?: number;
  /** Width of the output; default 256 (BYOL paper; the seed paper uses 128). */
  outputDim?: number;
  /**
   * Normalisation after the first linear layer: `'batch'` (BatchNorm1d with
   * PyTorch semantics, needs micro-batches of 2 or more) or `'none'`;
   * default `'batch'`.
   */
  norm?: 'batch' | 'none';
  /**
   * Append a BatchNorm1d without affine parameters to the output (SimSiam's
   * projector does); default false (BYOL: no norm at the end).
   */
  outputNorm?: boolean;
}

/** Head sizes of the BYOL paper (Grill et al. 2020): 4096 hidden, 256 out. */
export const BYOL_PAPER_HEAD: Readonly<Required<HeadSpec>> = Object.freeze({ hiddenDim: 4096, outputDim: 256, norm: 'batch', outputNorm: false });

/** Head sizes of the BYOLMed3D seed code: 2048 hidden, 128 out. */
export const SEED_PAPER_HEAD: Readonly<Required<HeadSpec>> = Object.freeze({ hiddenDim: 2048, outputDim: 128, norm: 'batch', outputNorm: false });

/** Options of {@link MLPHead}. */
export interface MLPHeadOptions extends HeadSpec {
  /** Input width (the encoder's feature size for a projector). */
  inputDim: number;
  /** Variable scope; default a fresh `mlp_head_N`. Must not be used by live variables. */
  name?: string;
  /** Seed of the initial weights (equal seeds give equal weights); default 0. */
  seed?: number;
}

/**
 * The projector / predictor MLP of BYOL: `Linear → BatchNorm1d → ReLU →
 * Linear` (optionally followed by a non-affine BatchNorm1d).
 *
 * Variables follow PyTorch `nn.Sequential` names under the scope, e.g.
 * `byol_1/online/projector/net.0.weight`, `.../net.1.running_mean`,
 * `.../net.3.bias`, so a BYOL-PyTorch head maps onto them (linear weights are
 * stored transposed, `[in, out]`).
 */
export class MLPHead {
  /** Variable scope of this head. */
  readonly name: string;
  /** Input width. */
  readonly inputDim: number;
  /** Hidden width. */
  readonly hiddenDim: number;
  /** Output width. */
  readonly outputDim: number;
  /** Hidden normalisation. */
  readonly norm: 'batch' | 'none';
  /** Whether a non-affine BatchNorm1d ends the head. */
  readonly outputNorm: boolean;
  /** The seed the head was built with. */
  readonly seed: number;
  private readonly fc1: Linear;
  private readonly bn1: BatchNorm1d | null;
  private readonly fc2: Linear;
  private readonly bnOut: BatchNorm1d | null;

  /** @param options - Sizes, norm, scope and seed. */
  constructor(options: MLPHeadOptions) {
    const { inputDim, hiddenDim = 4096, outputDim = 256, norm = 'batch', outputNorm = false, seed = 0 } = options;
    for (const [k, v] of [['inputDim', inputDim], ['hiddenDim', hiddenDim], ['outputDim', outputDim]] as const) {
      check(Number.isInteger(v) && v > 0, 'MLPHead', () => `${k} must be a positive integer, got ${v}`);
    }
    check(norm === 'batch' || norm === 'none', 'MLPHead', () => `norm must be 'batch' or 'none', got '${String(norm)}'`);
    this.name = options.name ?? uniqueScope('mlp_head');
    this.inputDim = inputDim;
    this.hiddenDim = hiddenDim;
    this.outputDim = outputDim;
    this.norm = norm;
    this.outputNorm = outputNorm;
    this.seed = seed;
    this.fc1 = new Linear(`${this.name}/net.0`, inputDim, hiddenDim, { seed, initKey: 'net.0' });
    this.bn1 = norm === 'batch' ? new BatchNorm1d(`${this.name}/net.1`, hiddenDim) : null;
    this.fc2 = new Linear(`${this.name}/net.3`, hiddenDim, outputDim, { seed, initKey: 'net.3' });
    this.bnOut = outputNorm ? new BatchNorm1d(`${this.name}/net.4`, outputDim, { affine: false }) : null;
  }

  /** `x [N, inputDim]` to `[N, outputDim]`; training mode uses batch statistics. */
  apply(x: tf.Tensor2D, { training }: { training: boolean }): tf.Tensor2D {
    check(x.rank === 2 && x.shape[1] === this.inputDim, `MLPHead ${this.name}`, () => `expected input [N, ${this.inputDim}], got [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      let h = this.fc1.apply(x);
      if (this.bn1) h = this.bn1.apply(h, { training });
      h = tf.relu(h);
      let y = this.fc2.apply(h);
      if (this.bnOut) y = this.bnOut.apply(y, { training });
      return y;
    });
  }

  /** Trainable variables in a fixed order (layer order, weight before bias). */
  get trainableVariables(): tf.Variable[] {
    return [...this.fc1.trainableVariables, ...(this.bn1?.trainableVariables ?? []), ...this.fc2.trainableVariables];
  }

  /** Batch-norm running statistics, in layer order. */
  get nonTrainableVariables(): tf.Variable[] {
    return [...(this.bn1?.nonTrainableVariables ?? []), ...(this.bnOut?.nonTrainableVariables ?? [])];
  }

  /**
   * A head of the same shape with copied weights and running statistics under
   * a new scope (default a fresh `mlp_head_N`).
   */
  clone(name?: string): MLPHead {
    const copy = new MLPHead({
      inputDim: this.inputDim,
      hiddenDim: this.hiddenDim,
      outputDim: this.outputDim,
      norm: this.norm,
      outputNorm: this.outputNorm,
      seed: this.seed,
      ...(name === undefined ? {} : { name }),
    });
    const src = [...this.trainableVariables, ...this.nonTrainableVariables];
    const dst = [...copy.trainableVariables, ...copy.nonTrainableVariables];
    src.forEach((v, i) => (dst[i] as tf.Variable).assign(v));
    return copy;
  }

  /** Frees every variable of the head. */
  dispose(): void {
    this.fc1.dispose();
    this.bn1?.dispose();
    this.fc2.dispose();
    this.bnOut?.dispose();
  }
}
