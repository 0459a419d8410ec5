import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { byolLoss, cosineTau } from '@byolmed3d/byol';

await tf.setBackend('cpu');
const l = byolLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]));
if (Math.abs(l.dataSync()[0] - 2) > 1e-6) throw new Error('loss');
const tau = cosineTau({ tauBase: 0.99, totalSteps: 100 });
if (Math.abs(tau(0) - 0.99) > 1e-12 || Math.abs(tau(100) - 1) > 1e-12) throw new Error('tau');
console.log('ok');
