import * as tf from '@tensorflow/tfjs-core';
import { createVideoResNet, type VideoResNet } from '@byolmed3d/resnet3d';

const m: VideoResNet = createVideoResNet('r2plus1d_18', { numClasses: 0 });
const f: tf.Tensor2D = m.apply(tf.zeros([1, 8, 32, 32, 3]) as tf.Tensor5D, { training: false }).features;
export { f };
