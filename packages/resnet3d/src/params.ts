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

/** A mutable counter (batch norm's `num_batches_tracked`). */
export interface BatchCounter {
  /** Training-mode forward passes seen. */
  count: number;
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

  /** The `num_batches_tracked` counter of the batch norm `bnName` (created at 0). */
  counter(bnName: string): BatchCounter {
    let c = this.batchCounters.get(bnName);
    if (!c) {
      c = { count: 0 };
      this.batchCounters.set(bnName, c);
    }
    return c;
  }
}
