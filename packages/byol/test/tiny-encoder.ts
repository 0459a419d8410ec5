/**
 * A tiny dense encoder for tests: flattens a clip batch [N, ...] and applies
 * Linear → BatchNorm1d → ReLU → Linear. It satisfies the byol `Encoder`
 * interface (apply, trainableVariables, nonTrainableVariables, featureDim,
 * clone, dispose) the way resnet3d's VideoResNet does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm1d, Linear, type Encoder, type EncoderOutput } from '@byolmed3d/byol';

let instances = 0;

export interface TinyEncoderOptions {
  inputSize: number;
  hidden?: number;
  featureDim?: number;
  seed?: number;
  batchNorm?: boolean;
}

export class TinyEncoder implements Encoder {
  readonly featureDim: number;
  readonly scope: string;
  private readonly fc1: Linear;
  private readonly bn: BatchNorm1d | null;
  private readonly fc2: Linear;

  constructor(readonly options: TinyEncoderOptions) {
    const { inputSize, hidden = 64, featureDim = 32, seed = 7, batchNorm = true } = options;
    this.scope = `tiny_${++instances}`;
    this.featureDim = featureDim;
    this.fc1 = new Linear(`${this.scope}/fc1`, inputSize, hidden, { seed, initKey: 'fc1' });
    this.bn = batchNorm ? new BatchNorm1d(`${this.scope}/bn1`, hidden) : null;
    this.fc2 = new Linear(`${this.scope}/fc2`, hidden, featureDim, { seed, initKey: 'fc2' });
  }

  apply(x: tf.Tensor, { training }: { training: boolean }): EncoderOutput {
    return tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D;
      let h = this.fc1.apply(flat);
      if (this.bn) h = this.bn.apply(h, { training });
      return { features: this.fc2.apply(tf.relu(h)) };
    });
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.fc1.trainableVariables, ...(this.bn?.trainableVariables ?? []), ...this.fc2.trainableVariables];
  }

  get nonTrainableVariables(): tf.Variable[] {
    return this.bn?.nonTrainableVariables ?? [];
  }

  clone(): TinyEncoder {
    const c = new TinyEncoder(this.options);
    const src = [...this.trainableVariables, ...this.nonTrainableVariables];
    const dst = [...c.trainableVariables, ...c.nonTrainableVariables];
    src.forEach((v, i) => (dst[i] as tf.Variable).assign(v));
    return c;
  }

  dispose(): void {
    this.fc1.dispose();
    this.bn?.dispose();
    this.fc2.dispose();
  }
}

/** Values of a list of variables, copied to plain arrays. */
export function snapshot(vars: readonly tf.Variable[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

/** Whether two snapshots are identical, element by element. */
export function sameSnapshot(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === (b[i] as Float32Array).length && x.every((v, j) => v === (b[i] as Float32Array)[j]));
}
