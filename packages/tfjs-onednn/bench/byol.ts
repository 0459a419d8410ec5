// A BYOL training step for the benchmark, mirroring bench/torch_peer.py:
// online encoder + projector + predictor forward and backward on two views,
// target encoder + projector forward, SGD with momentum, EMA target update.
import * as tf from '@tensorflow/tfjs-core';
import { releaseDuringBackprop } from '@byolmed3d/tfjs-onednn';
import { R3d18, composedBn, type BatchNormFn } from './r3d18.js';

class Mlp {
  readonly vars: tf.Variable[];
  constructor(
    readonly bn: BatchNormFn,
    readonly name: string,
    inDim: number,
    hidden: number,
    out: number,
    seed: number,
  ) {
    const dense = (n: string, i: number, o: number, s: number): tf.Variable[] => [
      tf.variable(tf.randomUniform([i, o], -1 / Math.sqrt(i), 1 / Math.sqrt(i), 'float32', s), true, `${name}/${n}.w`),
      tf.variable(tf.zeros([o]), true, `${name}/${n}.b`),
    ];
    this.vars = [
      ...dense('l1', inDim, hidden, seed),
      tf.variable(tf.ones([hidden]), true, `${name}/bn.g`),
      tf.variable(tf.zeros([hidden]), true, `${name}/bn.b`),
      ...dense('l2', hidden, out, seed + 1),
    ];
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const [w1, b1, g, b, w2, b2] = this.vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const h = this.bn(tf.add(tf.matMul(x, w1), b1), g, b, { relu: true }) as tf.Tensor2D;
    return tf.add(tf.matMul(h, w2), b2) as tf.Tensor2D;
  }
}

function cosLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  const pn = tf.div(p, tf.sqrt(tf.sum(tf.square(p), 1, true)));
  const zn = tf.div(z, tf.sqrt(tf.sum(tf.square(z), 1, true)));
  return tf.mean(tf.sub(2, tf.mul(2, tf.sum(tf.mul(pn, zn), 1)))) as tf.Scalar;
}

/** BYOL learner on r3d_18 (benchmark only). */
export class ByolBench {
  readonly online: R3d18;
  readonly target: R3d18;
  readonly proj: Mlp;
  readonly pred: Mlp;
  readonly tproj: Mlp;
  private readonly opt = tf.train.momentum(0.05, 0.9);

  /**
   * @param bn - training batch norm (+ residual + ReLU)
   * @param early - back-propagate with {@link releaseDuringBackprop} (frees saved tensors and gradients as it goes)
   * @param prefix - prefix of the variable names (a second learner in the same process needs another)
   */
  constructor(bn: BatchNormFn = composedBn, readonly early = true, hidden = 4096, projDim = 256, prefix = '') {
    this.online = new R3d18(1, `${prefix}online`, bn);
    this.target = new R3d18(1, `${prefix}target`, bn);
    this.proj = new Mlp(bn, `${prefix}proj`, 512, hidden, projDim, 100);
    this.pred = new Mlp(bn, `${prefix}pred`, projDim, hidden, projDim, 200);
    this.tproj = new Mlp(bn, `${prefix}tproj`, 512, hidden, projDim, 100);
  }

  /** One step on two views `[N, T, H, W, 3]`; returns the loss. */
  step(v1: tf.Tensor5D, v2: tf.Tensor5D, tau = 0.99): number {
    const [z1, z2] = tf.tidy(() => [this.tproj.apply(this.target.apply(v1)), this.tproj.apply(this.target.apply(v2))]) as [tf.Tensor2D, tf.Tensor2D];
    const vars = [...this.online.trainableVariables, ...this.proj.vars, ...this.pred.vars];
    const loss = (): tf.Scalar => {
      const p1 = this.pred.apply(this.proj.apply(this.online.apply(v1)));
      const p2 = this.pred.apply(this.proj.apply(this.online.apply(v2)));
      return tf.add(cosLoss(p1, z2), cosLoss(p2, z1)) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(this.early ? releaseDuringBackprop(loss) : loss, vars);
    this.opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    const out = value.dataSync()[0] as number;
    tf.dispose([value, z1, z2, ...Object.values(grads)]);
    tf.tidy(() => {
      const src = [...this.online.trainableVariables, ...this.proj.vars];
      const dst = [...this.target.trainableVariables, ...this.tproj.vars];
      dst.forEach((t, i) => t.assign(tf.add(tf.mul(t, tau), tf.mul(src[i] as tf.Variable, 1 - tau))));
    });
    return out;
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    tf.dispose([...this.proj.vars, ...this.pred.vars, ...this.tproj.vars]);
    this.opt.dispose();
  }
}
