import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GradientAccumulator, warmupCosine } from '@byolmed3d/grad-accum';

await tf.setBackend('cpu');
const w = tf.variable(tf.zeros([2]), true, 'w');
const acc = new GradientAccumulator(tf.train.sgd(1), { steps: 2 });
const r1 = acc.accumulate({ w: tf.tensor1d([1, 2]) });
const r2 = acc.accumulate({ w: tf.tensor1d([3, 4]) });
if (r1.stepped || !r2.stepped || r2.step !== 1) throw new Error('accumulation window');
const got = Array.from(w.dataSync());
if (got[0] !== -2 || got[1] !== -3) throw new Error(`mean update expected [-2,-3], got ${got}`);
if (Math.abs(warmupCosine({ base: 1, totalSteps: 10 })(10)) > 1e-12) throw new Error('schedule');
console.log('ok');
