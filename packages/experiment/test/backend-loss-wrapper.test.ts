import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isOneDnnAvailable, releaseDuringBackprop } from '@byolmed3d/tfjs-onednn';
import { backendLossWrapper, selectBackend } from '../src/backend/select.js';

describe('backendLossWrapper (the lossWrapper pretrain gives the learner)', () => {
  it('is undefined (the identity) on the cpu backend', async () => {
    await selectBackend({ backend: 'cpu', precision: 'fp32' });
    expect(backendLossWrapper()).toBeUndefined();
  });

  it.skipIf(!isOneDnnAvailable() || process.env.TFJS_ONEDNN_DISABLE === '1')('is tfjs-onednn releaseDuringBackprop while onednn is active, and undefined again after switching away', async () => {
    const sel = await selectBackend({ backend: 'onednn', precision: 'fp32' });
    expect(sel.choice).toBe('onednn');
    expect(backendLossWrapper()).toBe(releaseDuringBackprop);
    await tf.setBackend('cpu');
    expect(backendLossWrapper()).toBeUndefined();
  });
});
