import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerWebGpuBackend, WebGpuUnavailableError } from '../src/index.js';

// Its own file: a backend registered earlier in the same process would answer from its cache.
describe('under allowSoftware: false on a Linux machine without GPU device nodes', () => {
  const noGpuNodes = process.platform === 'linux' && !existsSync('/dev/dri') && !readdirSync('/dev').some((n) => n.startsWith('nvidia'));
  it.skipIf(!noGpuNodes)('refuses without starting Dawn, so nothing is printed ahead of the caller (Dawn warns on stderr while probing)', async () => {
    const err = await registerWebGpuBackend({ allowSoftware: false }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WebGpuUnavailableError);
    expect((err as WebGpuUnavailableError).attempts.join('; ')).toMatch(/skipped \(no GPU device node/);
  });
});
