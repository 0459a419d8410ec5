import * as tf from '@tensorflow/tfjs-core';
import { GradientAccumulator, LARS, type Schedule, warmupCosine } from '@byolmed3d/grad-accum';

const opt: tf.Optimizer = new LARS({ learningRate: 0.3 });
const acc = new GradientAccumulator(opt, { steps: 4 });
const s: Schedule = warmupCosine({ base: 0.3, totalSteps: 100, warmupSteps: 10 });
const r: { stepped: boolean; step: number } = acc.accumulate({});
export { s, r };
