import * as tf from '@tensorflow/tfjs-core';
import { Random } from '@byolmed3d/util';
import type { ParamInitializer } from './params.js';

/** `n` samples of N(0, std^2) from `rng` (the shared generator's fast `fillNormal`). */
function normals(n: number, std: number, rng: Random): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std);
}

/**
 * torchvision's initialisation of video ResNets, seeded: convolutions
 * `kaiming_normal_(mode='fan_out', nonlinearity='relu')`, norm weights 1 and
 * biases 0, running mean 0 and variance 1, `fc` weights N(0, 0.01) and bias 0.
 * Each parameter draws from its own stream, `new Random(seed).fork(torchName)`
 * (the shared generator of `@byolmed3d/util`), so the values do not depend on
 * construction order.
 */
export function torchvisionInitializer(seed: number): ParamInitializer {
  const root = new Random(seed);
  return (torchName, torchShape, kind, tfShape) => {
    const leaf = torchName.slice(torchName.lastIndexOf('.') + 1);
    const n = tfShape.reduce((a, b) => a * b, 1);
    if (kind === 'conv') {
      const fanOut = (torchShape[0] as number) * (torchShape[2] as number) * (torchShape[3] as number) * (torchShape[4] as number);
      return tf.tensor(normals(n, Math.sqrt(2 / fanOut), root.fork(torchName)), tfShape, 'float32');
    }
    if (kind === 'linear') return tf.tensor(normals(n, 0.01, root.fork(torchName)), tfShape, 'float32');
    if (leaf === 'weight' || leaf === 'running_var') return tf.ones(tfShape, 'float32');
    return tf.zeros(tfShape, 'float32');
  };
}
