import * as tf from '@tensorflow/tfjs-core';

/** How a parameter maps between PyTorch and tfjs layouts. */
export type ParamKind = 'conv' | 'linear' | 'vector';

/** One registered model variable and its torchvision identity. */
export interface ParamRecord {
  /** torchvision `state_dict` name, e.g. `layer1.0.conv1.0.weight`. */
  torchName: string;
  /** PyTorch shape of the parameter. */
  torchShape: number[];
  /** Layout kind (decides the conversion). */
  kind: ParamKind;
  /** The tfjs variable (tfjs layout). */
  variable: tf.Variable;
  /** Whether the optimizer trains it (false for running statistics). */
  trainable: boolean;
}

/**
 * Produces the initial value of a parameter in tfjs layout; called once per
 * parameter while a model is built.
 */
export type ParamInitializer = (torchName: string, torchShape: number[], kind: ParamKind, tfShape: number[]) => tf.Tensor;

/**
 * Batch norm's `num_batches_tracked`: an int32 scalar non-trainable variable
 * (so `getWeights`-style state saving sees it), counted on the device.
 */
export interface BatchCounter {
  /** The int32 scalar variable (`<prefix>/<bn>.num_batches_tracked`). */
  readonly variable: tf.Variable;
  /** Training-mode forward passes seen (reading it downloads the scalar). */
  count: number;
  /** Adds one, on the device. */
  increment(): void;
}

class VariableCounter implements BatchCounter {
  readonly variable: tf.Variable;

  constructor(name: string) {
    this.variable = tf.tidy(() => tf.variable(tf.scalar(0, 'int32'), false, name, 'int32'));
  }

  get count(): number {
    return this.variable.dataSync()[0] as number;
  }

  set count(v: number) {
    tf.util.assert(Number.isInteger(v) && v >= 0 && v < 2 ** 31, () => `num_batches_tracked must be an integer in [0, 2^31), got ${v}`);
    tf.tidy(() => this.variable.assign(tf.scalar(v, 'int32')));
  }

  increment(): void {
    tf.tidy(() => this.variable.assign(tf.add(this.variable, tf.scalar(1, 'int32'))));
  }
}

/** Registry of a model's variables, keyed by torchvision name (used while building layers). */
export class ParamStore {
  /** Every registered parameter, in registration (torchvision) order. */
  readonly records = new Map<string, ParamRecord>();
  /** torchvision names of batch-norm layers -> number of training steps seen. */
  readonly batchCounters = new Map<string, BatchCounter>();

  /**
   * @param prefix variable-name prefix (`<prefix>/<torchName>`)
   * @param init gives each parameter its initial value
   */
  constructor(
    /** Variable-name prefix. */
    readonly prefix: string,
    private readonly init: ParamInitializer,
  ) {}

  /** Registers a parameter (initialised by the initializer) and returns its variable. */
  add(torchName: string, torchShape: number[], kind: ParamKind, trainable: boolean): tf.Variable {
    if (this.records.has(torchName)) throw new Error(`duplicate parameter ${torchName}`);
    const tfShape = kind === 'conv' ? [torchShape[2], torchShape[3], torchShape[4], torchShape[1], torchShape[0]] : kind === 'linear' ? [torchShape[1], torchShape[0]] : torchShape.slice();
    const value = this.init(torchName, torchShape, kind, tfShape as number[]);
    tf.util.assert(tf.util.arraysEqual(value.shape, tfShape as number[]), () => `initializer gave shape [${value.shape}] for ${torchName}, expected [${tfShape}]`);
    const variable = tf.variable(value, trainable, `${this.prefix}/${torchName}`, 'float32');
    value.dispose();
    this.records.set(torchName, { torchName, torchShape, kind, variable, trainable });
    return variable;
  }

  /** The `num_batches_tracked` counter of the batch norm `bnName` (created at 0, an int32 variable). */
  counter(bnName: string): BatchCounter {
    let c = this.batchCounters.get(bnName);
    if (!c) {
      c = new VariableCounter(`${this.prefix}/${bnName}.num_batches_tracked`);
      this.batchCounters.set(bnName, c);
    }
    return c;
  }
}
