import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params.js';
import { BatchNorm3d, GroupNorm3d, type BatchNormActOptions, type NormKind, type NormLayer } from './norm.js';

/** A triple `[t, h, w]`. */
export type Triple = [number, number, number];

/** A layer of a video ResNet: channels-last in, channels-last out. */
export interface Layer {
  /** Runs the layer; `training` selects batch statistics in batch norm. */
  apply(x: tf.Tensor5D, training: boolean): tf.Tensor5D;
  /** Optional `relu?(layer(x) + residual?)`, fused where the layer can (see {@link NormLayer.applyAct}). */
  applyAct?(x: tf.Tensor5D, training: boolean, act: BatchNormActOptions): tf.Tensor5D;
}

/** Build context shared by every layer of one model. */
export interface BuildContext {
  /** Where variables are registered. */
  store: ParamStore;
  /** Normalisation kind. */
  norm: NormKind;
  /** Requested number of groups for group norm. */
  groups: number;
}

/**
 * A bias-free PyTorch `Conv3d` with PyTorch's zero padding: explicit `tf.pad` +
 * `'valid'`, or tfjs `'same'` only where it is identical (stride 1, odd kernel,
 * padding `(k - 1) / 2`).
 */
export class Conv3d implements Layer {
  /** Filter variable, tfjs layout `[kT, kH, kW, in, out]` (`<name>.weight`). */
  readonly weight: tf.Variable;

  /**
   * @param ctx build context (where the weight is registered)
   * @param name torchvision module name, e.g. `layer1.0.conv1.0`
   * @param inChannels input channels
   * @param outChannels output channels
   * @param kernel kernel size `[t, h, w]`
   * @param stride stride `[t, h, w]`
   * @param padding zero padding on both sides `[t, h, w]`
   */
  constructor(
    ctx: BuildContext,
    name: string,
    /** Input channels. */
    readonly inChannels: number,
    /** Output channels. */
    readonly outChannels: number,
    /** Kernel size `[t, h, w]`. */
    readonly kernel: Triple,
    /** Stride `[t, h, w]`. */
    readonly stride: Triple,
    /** Zero padding on both sides `[t, h, w]`. */
    readonly padding: Triple,
  ) {
    this.weight = ctx.store.add(`${name}.weight`, [outChannels, inChannels, ...kernel], 'conv', true);
  }

  apply(x: tf.Tensor5D, _training: boolean): tf.Tensor5D {
    const [pt, ph, pw] = this.padding;
    // With stride 1 and padding (k - 1) / 2, tfjs 'same' pads exactly as PyTorch
    // does (k - 1 in total, split evenly): skip the pad copy and its gradient.
    // Anything else (stride 2, 1x1x1 shortcuts) is padded explicitly + 'valid'.
    if (this.stride.every((s) => s === 1) && this.kernel.every((k, d) => k % 2 === 1 && this.padding[d] === (k - 1) / 2))
      return tf.conv3d(x, this.weight as tf.Tensor5D, 1, 'same');
    const padded =
      pt || ph || pw
        ? tf.pad(x, [
            [0, 0],
            [pt, pt],
            [ph, ph],
            [pw, pw],
            [0, 0],
          ])
        : x;
    return tf.conv3d(padded, this.weight as tf.Tensor5D, this.stride, 'valid');
  }
}

/** Creates the model's norm layer (`BatchNorm3d` or `GroupNorm`) under `name`. */
export function makeNorm(ctx: BuildContext, name: string, channels: number): NormLayer {
  return ctx.norm === 'group' ? new GroupNorm3d(ctx.store, name, channels, ctx.groups) : new BatchNorm3d(ctx.store, name, channels);
}

/** An element-wise ReLU as a layer. */
export const ReLU: Layer = { apply: (x) => tf.relu(x) };

/** Runs layers in order (PyTorch `nn.Sequential`). */
export class Sequential implements Layer {
  constructor(
    /** The layers, in order. */
    readonly layers: Layer[],
  ) {}

  apply(x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    return this.run(x, training, this.layers.length);
  }

  /**
   * `relu?(this(x) + residual?)`: in training, the last layer's `applyAct`
   * (a batch norm: one fused kernel where the backend has it), else
   * `tf.add` / `tf.relu` after the layers.
   */
  applyAct(x: tf.Tensor5D, training: boolean, act: BatchNormActOptions): tf.Tensor5D {
    const last = this.layers[this.layers.length - 1];
    if (training && last?.applyAct) return last.applyAct(this.run(x, training, this.layers.length - 1), training, act);
    const y = this.apply(x, training);
    const s = act.residual ? tf.add(y, act.residual) : y;
    return (act.relu ? tf.relu(s) : s) as tf.Tensor5D;
  }

  /** Runs the first `n` layers; in training a norm followed by {@link ReLU} goes through the norm's `applyAct`. */
  private run(x: tf.Tensor5D, training: boolean, n: number): tf.Tensor5D {
    let y = x;
    for (let i = 0; i < n; i++) {
      const l = this.layers[i] as Layer;
      if (training && l.applyAct && i + 1 < n && this.layers[i + 1] === ReLU) {
        y = l.applyAct(y, training, { relu: true });
        i++;
      } else y = l.apply(y, training);
    }
    return y;
  }
}
