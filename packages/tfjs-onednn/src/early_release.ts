import * as tf from '@tensorflow/tfjs-core';

/** The parts of a tfjs tape node used here (tfjs-core's `TapeNode`, not exported by its index). */
interface Node {
  inputs: tf.NamedTensorMap;
  gradient?: (this: Node, dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/**
 * Wraps a loss function so that the backward pass of the `tf.variableGrads`,
 * `tf.grads`, `tf.valueAndGrads` or `optimizer.minimize` call it is given
 * to frees memory as it goes, as PyTorch's autograd does: once a recorded
 * op's gradient is computed, the gradient flowing into it (`dy`) and the
 * tensors it saved for the backward pass (its inputs / outputs) are disposed.
 * tfjs-core 4.x keeps every intermediate gradient and every saved tensor
 * until the whole backward pass ends, so its peak holds all activations plus
 * all activation gradients; with this it holds the activations not yet
 * back-propagated plus a few gradients. Results are identical (same kernels,
 * same order).
 *
 * Works on any backend (it only changes when tensors are disposed). Not for
 * higher-order gradients: inside an outer gradient computation `f` is run
 * unchanged.
 *
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(releaseDuringBackprop(() => loss(model, x)), vars);
 * ```
 *
 * @param f - the loss function, as passed to `tf.variableGrads`
 * @returns a function running `f` and marking its recorded ops for early release
 */
export function releaseDuringBackprop<T extends tf.Tensor>(f: () => T): () => T {
  return () => {
    const engine = tf.engine();
    const state = engine.state as unknown as { activeTape: Node[] | null; gradientDepth: number };
    const before = state.activeTape?.length ?? 0;
    const y = f();
    const tape = state.activeTape;
    if (!tape || state.gradientDepth !== 1) return y;
    for (let i = before; i < tape.length; i++) {
      const node = tape[i] as Node;
      const grad = node.gradient;
      if (!grad) continue;
      node.gradient = function (this: Node, dys: tf.Tensor[]) {
        const thunks = grad.call(this, dys);
        // tfjs calls the thunks of the inputs that lead to the sources only
        // (`this` is its pruned copy of the node): release after the last.
        const names = Object.keys(this.inputs).filter((n) => n in thunks);
        let left = names.length;
        const saved = this.saved ?? [];
        const wrapped: Record<string, () => tf.Tensor> = {};
        for (const n of names) {
          wrapped[n] = () => {
            // A fresh handle: a thunk may return dy itself or a saved tensor, which are disposed below.
            const dx = tf.clone((thunks[n] as () => tf.Tensor)());
            if (--left === 0) {
              for (const t of dys) if (t && !t.isDisposed) t.dispose();
              for (const t of saved) if (!t.isDisposed) t.dispose();
            }
            return dx;
          };
        }
        return wrapped;
      };
    }
    return y;
  };
}
