import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createVideoResNet, encodeSafetensors, decodeSafetensors } from '@byolmed3d/resnet3d';

await tf.setBackend('cpu');
const m = createVideoResNet('r3d_18', { numClasses: 2, widthMultiplier: 0.125 });
const out = tf.tidy(() => m.apply(tf.ones([1, 4, 16, 16, 3]), { training: false }));
if (out.features.shape.join() !== `1,${m.featureDim}` || out.logits?.shape.join() !== '1,2') throw new Error('bad shapes');
tf.dispose([out.features, out.logits]);
const sd = m.stateDict();
const back = decodeSafetensors(encodeSafetensors(sd));
if (back.size !== sd.size) throw new Error('safetensors round trip');
m.dispose();
console.log('ok');
