import * as tf from '@tensorflow/tfjs-core';
import { byolLoss } from '@byolmed3d/byol';

const l: tf.Tensor1D = byolLoss(tf.zeros([2, 4]) as tf.Tensor2D, tf.ones([2, 4]) as tf.Tensor2D);
export { l };
