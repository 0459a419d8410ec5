/**
 * Thrown when no WebGPU adapter or device can be obtained: no `navigator.gpu`
 * in a browser, the optional `webgpu` package missing in Node, or every Dawn
 * backend tried returned no adapter. `attempts` lists what was tried.
 */
export class WebGpuUnavailableError extends Error {
  /** Always `WebGpuUnavailableError`. */
  override readonly name = 'WebGpuUnavailableError';
  /** One line per attempt, e.g. `dawn [backend=opengles]: no adapter`. */
  readonly attempts: readonly string[];
  constructor(message: string, attempts: readonly string[] = []) {
    super(attempts.length > 0 ? `${message} (tried: ${attempts.join('; ')})` : message);
    this.attempts = attempts;
  }
}

/**
 * Thrown by `dataSync()` / `arraySync()` on the webgpu backend where a
 * synchronous read is impossible (Node has no `OffscreenCanvas`, which tfjs's
 * synchronous WebGPU read path needs). Use `await tensor.data()` instead.
 */
export class WebGpuSyncReadError extends Error {
  /** Always `WebGpuSyncReadError`. */
  override readonly name = 'WebGpuSyncReadError';
  constructor() {
    super(
      'dataSync()/arraySync() cannot read a tensor on the webgpu backend here (no OffscreenCanvas in this ' +
        'runtime): read it with `await tensor.data()` / `await tensor.array()`.',
    );
  }
}

/**
 * Thrown by the next read (`await tensor.data()`) after the GPU rejected a
 * shader or pipeline: WebGPU reports such errors out of band and the kernel
 * would otherwise leave zeros in its output. Once raised, the backend stays
 * failed (its cached pipeline is broken): every later read throws too.
 */
export class WebGpuShaderError extends Error {
  /** Always `WebGpuShaderError`. */
  override readonly name = 'WebGpuShaderError';
  /** The label of the rejected program (tfjs's program class name) when known. */
  readonly program: string;
  constructor(program: string, detail: string) {
    super(`WebGPU rejected the shader of program '${program}', so its output is invalid: ${detail}`);
    this.program = program;
  }
}
