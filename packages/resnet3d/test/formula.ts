/**
 * resnet3d's use of the golden formula (tools/test-utils/src/golden-formula.ts):
 * a model initializer that gives the formula values in tfjs layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { torchToTfConv3d, transpose2d } from '@byolmed3d/resnet3d';
import { formulaTensor } from '@byolmed3d/test-utils';

export { formulaInputNdhwc, formulaStateDict, formulaTensor } from '@byolmed3d/test-utils';

/** A model initializer giving the formula values directly (tfjs layout). */
export function formulaInitializer(): (name: string, torchShape: number[], kind: string, tfShape: number[]) => tf.Tensor {
  return (name, torchShape, kind, tfShape) => {
    const data = formulaTensor(name, torchShape)!;
    const tfData = kind === 'conv' ? torchToTfConv3d(data, torchShape) : kind === 'linear' ? transpose2d(data, torchShape) : data;
    return tf.tensor(tfData, tfShape, 'float32');
  };
}
