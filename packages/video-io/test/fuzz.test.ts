import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

const CASES = 10_000;
const SEED = 20261125;
const STALL_MS = 20_000;

interface Done {
  type: 'done';
  outcomes: Record<string, number>;
  crashes: string[];
  wrapped: Record<string, number>;
  bySeed: Record<string, Record<string, number>>;
  peakRss: number;
}

/** Runs cases [start, start+count) in a worker; rejects when one case stalls for STALL_MS (a hang). */
function runChunk(start: number, count: number): Promise<Done> {
  const runner = new URL('./fuzz-runner.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(runner)}); })`;
  const w = new Worker(code, { eval: true, workerData: { pkgDir: join(import.meta.dirname, '..') } });
  return new Promise<Done>((resolve, reject) => {
    let last = { i: -1, seed: '', kind: '' };
    let timer = setTimeout(onStall, STALL_MS * 3); // startup (tsx) gets longer
    function onStall(): void {
      void w.terminate();
      reject(new Error(`hang: case ${last.i} (${last.seed}, ${last.kind}) did not finish within ${STALL_MS} ms`));
    }
    w.on('message', (m: { type: string; i: number; seed: string; kind: string } | Done) => {
      clearTimeout(timer);
      if (m.type === 'done') {
        void w.terminate();
        resolve(m as Done);
        return;
      }
      last = m as typeof last;
      timer = setTimeout(onStall, STALL_MS);
    });
    w.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    w.postMessage({ start, count, seed: SEED });
  });
}

describe('fuzz: mutated inputs through readVideo', () => {
  it(`${CASES} seeded mutations: only VideoReadError, never a crash or a hang`, async () => {
    const res = await runChunk(0, CASES);
    const total = res.outcomes.ok! + res.outcomes.VideoReadError! + res.crashes.length;
    expect(total).toBe(CASES);
    expect(res.crashes.slice(0, 20)).toEqual([]);
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(res.outcomes.VideoReadError!).toBeGreaterThan(CASES / 4);
    expect(res.outcomes.ok!).toBeGreaterThan(CASES / 20);
    console.log(`fuzz outcomes: ${JSON.stringify(res.outcomes)}`);
    // Every failure is diagnosed by an explicit check, not caught as a stray RangeError/TypeError by the last-resort wrapper.
    expect(res.wrapped).toEqual({});
    // Every seed was mutated into both outcomes, so each syntax's decoder really ran (not only its header checks).
    for (const [seed, o] of Object.entries(res.bySeed)) {
      expect(o.ok! + o.VideoReadError!, seed).toBeGreaterThan(CASES / 100);
      expect(o.ok!, `${seed} decodes after some mutations`).toBeGreaterThan(0);
    }
    // Bounded memory: the codecs and decoders never allocate beyond what the (maxBytes-checked) headers claim.
    console.log(`fuzz peak RSS: ${(res.peakRss / 2 ** 20).toFixed(0)} MiB; per seed: ${JSON.stringify(res.bySeed)}`);
    expect(res.peakRss).toBeLessThan(2 * 2 ** 30);
  }, 600_000);
});
