import * as tf from '@tensorflow/tfjs-core';

type SyncRead = 'dataSync' | 'arraySync';

/**
 * Runs `fn` with `Tensor.dataSync` and `Tensor.arraySync` replaced by
 * functions that throw (what the webgpu backend does in Node), then restores
 * them. `bufferSync` goes through `dataSync`, so it is caught too.
 */
export async function forbidSyncReads<T>(fn: () => Promise<T>): Promise<T> {
  const proto = tf.Tensor.prototype as unknown as Record<SyncRead, (...a: unknown[]) => unknown>;
  const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync };
  for (const name of ['dataSync', 'arraySync'] as const) {
    proto[name] = () => {
      throw new Error(`synchronous read: ${name}() was called where only asynchronous reads work (webgpu in Node)`);
    };
  }
  try {
    return await fn();
  } finally {
    Object.assign(proto, saved);
  }
}
