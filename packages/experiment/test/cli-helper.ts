import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { main } from '@byolmed3d/experiment';

/** Runs the CLI in-process; resolves to its exit code and what it printed (stdout and stderr). */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.join(' ')}\n`));
  try {
    return { code: await main(argv), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

/** The CLI's entry script (`bin/byolmed3d.js`). */
export const bin = fileURLToPath(new URL('../bin/byolmed3d.js', import.meta.url));

/**
 * Runs the CLI with `args` in a child process and kills it with SIGKILL as
 * soon as `ready()` (polled every `pollMs`) returns something other than
 * `undefined`/`false`; resolves to that value, 200 ms after the kill.
 * Rejects when the run finishes before it could be killed.
 */
export async function killWhen<T>(args: string[], ready: () => T | undefined | false, pollMs = 20): Promise<T> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const got = await new Promise<T>((resolve, reject) => {
    const timer = setInterval(() => {
      const v = ready();
      if (v !== undefined && v !== false) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve(v);
      }
    }, pollMs);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(code === 0 ? 'the run finished before it could be killed' : `the run exited with ${String(code)} before it could be killed`));
    });
  });
  await new Promise((res) => setTimeout(res, 200));
  return got;
}
