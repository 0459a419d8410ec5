// A self-contained r3d_18 (torchvision VideoResNet, BasicBlock, Conv3DSimple,
// BasicStem) for the benchmark, channels last, with PyTorch-style explicit
// padding and resnet3d's training-mode batch norm (on the fused native kernels,
// ReLU and residual add fused in; or composed of tfjs ops). The network is
// kept here so the benchmark measures the kernels, not resnet3d's layers.
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '@byolmed3d/resnet3d';

type Triple = [number, number, number];

/** Seeded parameter factory. */
class Params {
  readonly vars: tf.Variable[] = [];
  private seed: number;
  constructor(seed: number) {
    this.seed = seed;
  }
  conv(name: string, k: Triple, cin: number, cout: number): tf.Variable {
    const fanOut = cout * k[0] * k[1] * k[2];
    const v = tf.variable(tf.randomNormal([...k, cin, cout], 0, Math.sqrt(2 / fanOut), 'float32', this.seed++), true, name);
    this.vars.push(v);
    return v;
  }
  vec(name: string, n: number, value: number, trainable = true): tf.Variable {
    const v = tf.variable(tf.fill([n], value), trainable, name);
    if (trainable) this.vars.push(v);
    return v;
  }
}

/** Options a {@link BatchNormFn} takes: a residual added after the norm, then a ReLU. */
export interface BnAct {
  relu?: boolean;
  residual?: tf.Tensor;
}

/** A training batch norm: `(x, gamma, beta, { relu, residual }) -> relu?(bn(x) + residual?)`. */
export type BatchNormFn = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, act?: BnAct) => tf.Tensor;

/** `bn` for the norm itself, with the residual add and the ReLU as separate tfjs ops. */
export function separateAct(bn: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor): BatchNormFn {
  return (x, g, b, act = {}) => {
    const y = bn(x, g, b);
    const s = act.residual ? tf.add(y, act.residual) : y;
    return act.relu ? tf.relu(s) : s;
  };
}

/** The package's composed training batch norm (tfjs ops, as on backends without the fused kernels), add and ReLU as tfjs ops. */
export const composedBn: BatchNormFn = separateAct((x, g, b) => {
  const r = batchNormTrain(x, g as tf.Tensor1D, b as tf.Tensor1D, undefined, { fused: false });
  tf.dispose([r.mean, r.variance]);
  return r.output;
});

/** The package's batch norm alone (fused native kernels on onednn; no ReLU / residual). */
export function fusedBnPlain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const r = batchNormTrain(x, g as tf.Tensor1D, b as tf.Tensor1D);
  tf.dispose([r.mean, r.variance]);
  return r.output;
}

/** The package's batch norm (fused native kernels on onednn), with the ReLU and residual add fused in. */
export const fusedBn: BatchNormFn = (x, g, b, act = {}) => {
  const r = batchNormTrain(x, g as tf.Tensor1D, b as tf.Tensor1D, undefined, act);
  tf.dispose([r.mean, r.variance]);
  return r.output;
};

interface ConvBn {
  w: tf.Variable;
  stride: Triple;
  pad: Triple;
  g: tf.Variable;
  b: tf.Variable;
}

function convBn(x: tf.Tensor5D, l: ConvBn, relu: boolean, bn: BatchNormFn, residual?: tf.Tensor): tf.Tensor5D {
  const [pt, ph, pw] = l.pad;
  const k = l.w.shape;
  // As @byolmed3d/resnet3d: stride 1 with PyTorch padding (k - 1) / 2 is tfjs 'same' (no pad copy).
  const same = l.stride.every((s) => s === 1) && l.pad.every((p, i) => 2 * p === (k[i] as number) - 1);
  const xp = !same && (pt || ph || pw) ? tf.pad(x, [[0, 0], [pt, pt], [ph, ph], [pw, pw], [0, 0]]) : x;
  return bn(tf.conv3d(xp, l.w as tf.Tensor5D, l.stride, same ? 'same' : 'valid'), l.g, l.b, { relu, ...(residual ? { residual } : {}) }) as tf.Tensor5D;
}

/** One conv layer's geometry: unpadded input, filter, output, stride, symmetric padding. */
export interface ConvShape {
  x: number[];
  w: number[];
  out: number[];
  stride: Triple;
  pad: Triple;
}

/** r3d_18 encoder: `apply(x [N,T,H,W,3]) -> features [N, 512 * width]` in training mode. */
export class R3d18 {
  readonly params: Params;
  private readonly stem: ConvBn;
  private readonly blocks: { c1: ConvBn; c2: ConvBn; down?: ConvBn }[] = [];

  /**
   * @param seed - weight seed
   * @param prefix - variable name prefix
   * @param bn - training batch norm (+ residual + ReLU); default the package's composed one with tfjs add and ReLU (as on backends without the fused kernels)
   * @param width - channel multiplier (1 = r3d_18's 64, 128, 256, 512)
   */
  constructor(seed = 1, prefix = 'r3d', readonly bn: BatchNormFn = composedBn, width = 1) {
    this.params = new Params(seed);
    const p = this.params;
    const mk = (name: string, k: Triple, cin: number, cout: number, stride: Triple, pad: Triple): ConvBn => ({
      w: p.conv(`${prefix}/${name}.w`, k, cin, cout),
      stride,
      pad,
      g: p.vec(`${prefix}/${name}.g`, cout, 1),
      b: p.vec(`${prefix}/${name}.b`, cout, 0),
    });
    const ch = [64, 128, 256, 512].map((c) => Math.max(1, Math.round(c * width)));
    this.stem = mk('stem', [3, 7, 7], 3, ch[0] as number, [1, 2, 2], [1, 3, 3]);
    let cin = ch[0] as number;
    for (const [i, cout] of ch.entries()) {
      for (let j = 0; j < 2; j++) {
        const s = i > 0 && j === 0 ? 2 : 1;
        const st: Triple = [s, s, s];
        const down = s !== 1 || cin !== cout ? mk(`l${i}.${j}.down`, [1, 1, 1], cin, cout, st, [0, 0, 0]) : undefined;
        this.blocks.push({ c1: mk(`l${i}.${j}.c1`, [3, 3, 3], cin, cout, st, [1, 1, 1]), c2: mk(`l${i}.${j}.c2`, [3, 3, 3], cout, cout, [1, 1, 1], [1, 1, 1]), ...(down ? { down } : {}) });
        cin = cout;
      }
    }
  }

  get trainableVariables(): tf.Variable[] {
    return this.params.vars;
  }

  apply(x: tf.Tensor5D): tf.Tensor2D {
    return tf.tidy(() => {
      const bn = this.bn;
      let y = convBn(x, this.stem, true, bn);
      for (const b of this.blocks) {
        const r = b.down ? convBn(y, b.down, false, bn) : y;
        y = convBn(convBn(y, b.c1, true, bn), b.c2, true, bn, r);
      }
      return tf.mean(y, [1, 2, 3]) as tf.Tensor2D;
    });
  }

  /** Conv layers as (input shape, filter shape, stride) for a given input, for FLOP counts. */
  convShapes(input: [number, number, number, number, number]): ConvShape[] {
    const res: ConvShape[] = [];
    const shapeOf = (x: number[], l: ConvBn): number[] => {
      const k = l.w.shape as number[];
      const o = [x[0] as number, ...[1, 2, 3].map((d) => Math.floor(((x[d] as number) + 2 * (l.pad[d - 1] as number) - (k[d - 1] as number)) / (l.stride[d - 1] as number)) + 1), k[4] as number];
      res.push({ x, w: k, out: o, stride: l.stride, pad: l.pad });
      return o;
    };
    let y = shapeOf(input, this.stem);
    for (const b of this.blocks) {
      if (b.down) shapeOf(y, b.down);
      y = shapeOf(shapeOf(y, b.c1), b.c2);
    }
    return res;
  }

  dispose(): void {
    tf.dispose(this.params.vars);
  }
}
