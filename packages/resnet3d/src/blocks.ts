import * as tf from '@tensorflow/tfjs-core';
import { Conv3d, ReLU, Sequential, makeNorm, type BuildContext, type Layer, type Triple } from './layers.js';

/**
 * A 3x3x3-style convolution builder of torchvision's video ResNets: builds the
 * main convolution of a block and says which stride the shortcut uses.
 */
export interface ConvMaker {
  /** torchvision class name. */
  readonly kind: 'Conv3DSimple' | 'Conv3DNoTemporal' | 'Conv2Plus1D';
  /** Stride of the 1x1x1 downsampling shortcut for a block of this `stride`. */
  downsampleStride(stride: number): Triple;
  /** Builds the convolution (a `Sequential` for Conv2Plus1D) under the torchvision name `name`. */
  build(ctx: BuildContext, name: string, inPlanes: number, outPlanes: number, midPlanes: number, stride: number): Layer;
}

/** Full 3x3x3 convolution (torchvision `Conv3DSimple`). */
export const Conv3DSimple: ConvMaker = {
  kind: 'Conv3DSimple',
  downsampleStride: (s) => [s, s, s],
  build: (ctx, name, inP, outP, _mid, stride) => new Conv3d(ctx, name, inP, outP, [3, 3, 3], [stride, stride, stride], [1, 1, 1]),
};

/** Spatial-only 1x3x3 convolution (torchvision `Conv3DNoTemporal`, used by mc3). */
export const Conv3DNoTemporal: ConvMaker = {
  kind: 'Conv3DNoTemporal',
  downsampleStride: (s) => [1, s, s],
  build: (ctx, name, inP, outP, _mid, stride) => new Conv3d(ctx, name, inP, outP, [1, 3, 3], [1, stride, stride], [0, 1, 1]),
};

/**
 * (2+1)D convolution (torchvision `Conv2Plus1D`): 1x3x3 spatial conv to
 * `midPlanes`, norm, ReLU, then 3x1x1 temporal conv. Its parameters are named
 * `<name>.0.weight`, `<name>.1.*` (norm) and `<name>.3.weight`.
 */
export const Conv2Plus1D: ConvMaker = {
  kind: 'Conv2Plus1D',
  downsampleStride: (s) => [s, s, s],
  build: (ctx, name, inP, outP, mid, stride) =>
    new Sequential([
      new Conv3d(ctx, `${name}.0`, inP, mid, [1, 3, 3], [1, stride, stride], [0, 1, 1]),
      makeNorm(ctx, `${name}.1`, mid),
      ReLU,
      new Conv3d(ctx, `${name}.3`, mid, outP, [3, 1, 1], [stride, 1, 1], [1, 0, 0]),
    ]),
};

/** torchvision's `midplanes` of a (2+1)D block: `(in * out * 27) // (in * 9 + 3 * out)`. */
export function midPlanes(inPlanes: number, planes: number): number {
  return Math.floor((inPlanes * planes * 3 * 3 * 3) / (inPlanes * 3 * 3 + 3 * planes));
}

/** A residual block type of torchvision's video ResNets. */
export interface BlockType {
  /** torchvision class name. */
  readonly kind: 'BasicBlock' | 'Bottleneck';
  /** Output channels per `planes` (1 for BasicBlock, 4 for Bottleneck). */
  readonly expansion: number;
  /**
   * Builds one block under `name` (e.g. `layer2.0`); `downsample` is the
   * shortcut stride when the block needs a 1x1x1 conv + norm shortcut.
   */
  build(ctx: BuildContext, name: string, inPlanes: number, planes: number, conv: ConvMaker, stride: number, downsample: Triple | null): Layer;
}

class ResidualBlock implements Layer {
  constructor(
    private readonly body: Layer[],
    private readonly shortcut: Layer | null,
  ) {}

  apply(x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    let y = x;
    const n = this.body.length;
    for (let i = 0; i < n - 1; i++) y = (this.body[i] as Layer).apply(y, training);
    const last = this.body[n - 1] as Layer;
    // In training the last body layer ends in a batch norm: bn + shortcut + ReLU
    // run as one fused kernel where the backend registers it.
    if (training && last.applyAct) {
      const residual = this.shortcut ? this.shortcut.apply(x, training) : x;
      return last.applyAct(y, training, { residual, relu: true });
    }
    y = last.apply(y, training);
    const residual = this.shortcut ? this.shortcut.apply(x, training) : x;
    return tf.relu(tf.add(y, residual)) as tf.Tensor5D;
  }
}

function shortcut(ctx: BuildContext, name: string, inPlanes: number, outPlanes: number, stride: Triple | null): Layer | null {
  if (!stride) return null;
  return new Sequential([new Conv3d(ctx, `${name}.downsample.0`, inPlanes, outPlanes, [1, 1, 1], stride, [0, 0, 0]), makeNorm(ctx, `${name}.downsample.1`, outPlanes)]);
}

/** Two convolutions with a residual connection (torchvision `BasicBlock`, expansion 1). */
export const BasicBlock: BlockType = {
  kind: 'BasicBlock',
  expansion: 1,
  build(ctx, name, inPlanes, planes, conv, stride, downsample) {
    const mid = midPlanes(inPlanes, planes);
    const conv1 = new Sequential([conv.build(ctx, `${name}.conv1.0`, inPlanes, planes, mid, stride), makeNorm(ctx, `${name}.conv1.1`, planes), ReLU]);
    const conv2 = new Sequential([conv.build(ctx, `${name}.conv2.0`, planes, planes, mid, 1), makeNorm(ctx, `${name}.conv2.1`, planes)]);
    return new ResidualBlock([conv1, conv2], shortcut(ctx, name, inPlanes, planes, downsample));
  },
};

/** 1x1x1 reduce, 3x3x3-style conv, 1x1x1 expand (torchvision `Bottleneck`, expansion 4). */
export const Bottleneck: BlockType = {
  kind: 'Bottleneck',
  expansion: 4,
  build(ctx, name, inPlanes, planes, conv, stride, downsample) {
    const mid = midPlanes(inPlanes, planes);
    const conv1 = new Sequential([new Conv3d(ctx, `${name}.conv1.0`, inPlanes, planes, [1, 1, 1], [1, 1, 1], [0, 0, 0]), makeNorm(ctx, `${name}.conv1.1`, planes), ReLU]);
    const conv2 = new Sequential([conv.build(ctx, `${name}.conv2.0`, planes, planes, mid, stride), makeNorm(ctx, `${name}.conv2.1`, planes), ReLU]);
    const conv3 = new Sequential([new Conv3d(ctx, `${name}.conv3.0`, planes, planes * 4, [1, 1, 1], [1, 1, 1], [0, 0, 0]), makeNorm(ctx, `${name}.conv3.1`, planes * 4)]);
    return new ResidualBlock([conv1, conv2, conv3], shortcut(ctx, name, inPlanes, planes * 4, downsample));
  },
};

/** The stem of a video ResNet (before `layer1`). */
export interface StemType {
  /** torchvision class name. */
  readonly kind: 'BasicStem' | 'R2Plus1dStem';
  /**
   * Builds the stem under the name `stem`, mapping `inChannels` (3 for RGB)
   * to `outPlanes`; `scale` maps torchvision channel counts to the model's
   * (width multiplier).
   */
  build(ctx: BuildContext, inChannels: number, outPlanes: number, scale: (channels: number) => number): Layer;
}

/** Conv 3x7x7, stride (1,2,2), norm, ReLU (torchvision `BasicStem`). */
export const BasicStem: StemType = {
  kind: 'BasicStem',
  build: (ctx, inC, out) => new Sequential([new Conv3d(ctx, 'stem.0', inC, out, [3, 7, 7], [1, 2, 2], [1, 3, 3]), makeNorm(ctx, 'stem.1', out), ReLU]),
};

/** Conv 1x7x7 to 45 channels, norm, ReLU, conv 3x1x1, norm, ReLU (torchvision `R2Plus1dStem`). */
export const R2Plus1dStem: StemType = {
  kind: 'R2Plus1dStem',
  build: (ctx, inC, out, scale) => {
    const mid = scale(45);
    return new Sequential([
      new Conv3d(ctx, 'stem.0', inC, mid, [1, 7, 7], [1, 2, 2], [0, 3, 3]),
      makeNorm(ctx, 'stem.1', mid),
      ReLU,
      new Conv3d(ctx, 'stem.3', mid, out, [3, 1, 1], [1, 1, 1], [1, 0, 0]),
      makeNorm(ctx, 'stem.4', out),
      ReLU,
    ]);
  },
};
