import * as tf from '@tensorflow/tfjs-core';
import { registerPortableBackend } from '@byolmed3d/tfjs-portable';

// No native code: the wasm backend starts from the tarball's dependencies alone.
const name = await registerPortableBackend();
if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
const y = tf.conv3d(tf.ones([1, 3, 3, 3, 1]), tf.ones([3, 3, 3, 1, 1]), 1, 'same').dataSync();
if (y[13] !== 27) throw new Error(`conv3d gave ${y[13]}, expected 27`);
console.log('ok');
