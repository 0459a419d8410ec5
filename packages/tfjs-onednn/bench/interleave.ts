// Interleaved timing of several contenders (our steps in this process, the
// PyTorch peer in a long-lived child process): after each warms up, the
// rounds alternate between them (order rotated every round), so a machine
// whose speed drifts (shared hosts do) slows all of them alike, and the
// per-round ratios pair steps taken minutes apart at most.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';

/** Timed steps: wall and process-CPU seconds per step. */
export interface Steps {
  times: number[];
  cpus: number[];
}

/** Something that can time `k` steps now. */
export interface Contender {
  name: string;
  run(k: number): Promise<Steps>;
}

/** Runs `step` `k` times: wall and process CPU seconds of each. */
export function timeSteps(k: number, step: () => void): Steps {
  const out: Steps = { times: [], cpus: [] };
  for (let i = 0; i < k; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    out.times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    out.cpus.push((c.user + c.system) / 1e6);
  }
  return out;
}

/** A contender running `step` in this process (already warmed up by the caller). */
export function inProcess(name: string, step: () => void): Contender {
  return {
    name,
    run(k) {
      return Promise.resolve(timeSteps(k, step));
    },
  };
}

/** bench/torch_peer.py in --serve mode. */
export class TorchPeer implements Contender {
  private readonly lines: AsyncIterator<string>;
  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    rl: Interface,
  ) {
    this.lines = rl[Symbol.asyncIterator]();
  }

  /** Starts and warms up the peer; undefined (with a printed reason) when Python or torch is missing. */
  static async start(script: string, name: string, args: string[]): Promise<TorchPeer | undefined> {
    const py = '/usr/bin/python3';
    if (!existsSync(py)) {
      console.log(`PyTorch peer skipped (${name}): ${py} not found`);
      return undefined;
    }
    const child = spawn(py, [script, '--serve', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const peer = new TorchPeer(name, child, createInterface({ input: child.stdout }));
    try {
      await peer.next();
      return peer;
    } catch {
      console.log(`PyTorch peer skipped (${name}): ${err.trim().split('\n').pop() ?? 'no output'}`);
      child.kill();
      return undefined;
    }
  }

  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`${this.name}: peer exited`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async run(k: number): Promise<Steps> {
    this.child.stdin.write(`run ${k}\n`);
    return (await this.next()) as unknown as Steps;
  }

  /** Stops the peer; its peak RSS (MB) and torch version. */
  async stop(): Promise<{ maxrss_mb: number; torch: string }> {
    this.child.stdin.write('quit\n');
    const r = (await this.next()) as unknown as { maxrss_mb: number; torch: string };
    this.child.stdin.end();
    return r;
  }
}

/** Per-contender results of {@link interleave}. */
export interface Interleaved {
  /** Every timed step, all rounds. */
  all: Steps;
  /** Median step seconds of each round. */
  rounds: number[];
  median: number;
  best: number;
  cpu: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** `rounds` rounds of `k` steps per contender, the order rotated every round. */
export async function interleave(contenders: Contender[], rounds: number, k: number): Promise<Map<string, Interleaved>> {
  const acc = new Map<string, { all: Steps; rounds: number[] }>(contenders.map((c) => [c.name, { all: { times: [], cpus: [] }, rounds: [] }]));
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length] as Contender);
    for (const c of order) {
      const s = await c.run(k);
      const a = acc.get(c.name) as { all: Steps; rounds: number[] };
      a.all.times.push(...s.times);
      a.all.cpus.push(...s.cpus);
      a.rounds[r] = median(s.times);
      console.log(`  round ${r + 1}/${rounds} ${c.name}: ${s.times.map((t) => t.toFixed(2)).join(', ')} s`);
    }
  }
  return new Map(
    [...acc].map(([name, a]) => [name, { ...a, median: median(a.all.times), best: Math.min(...a.all.times), cpu: median(a.all.cpus) }]),
  );
}

/** Per-round ratios `peer / ours` of round medians (> 1: ours is faster). */
export function roundRatios(ours: Interleaved, peer: Interleaved): number[] {
  return ours.rounds.map((o, i) => (peer.rounds[i] as number) / o);
}
