/**
 * Runs one pretraining cell of a reproduce plan in its own process:
 * `node worker.js CELL_DIR`. Checkpoints name optimizer state by position
 * (not by tfjs variable names, which carry process-wide counters), so a
 * cell could resume in any process; a process per cell is kept because it
 * bounds each cell's memory (tfjs and wasm heaps are returned to the OS
 * when it exits) and a crash in one cell cannot take the plan down.
 * @internal
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '@byolmed3d/util/node';
import { selectBackend, type BackendChoice } from '../backend/select.js';
import { RunLogger, type OutputMode } from '../run/logger.js';
import type { PretrainCell } from './plan.js';
import { runPretrainCell } from './runner.js';

async function main(dir: string): Promise<void> {
  const input = JSON.parse(readFileSync(join(dir, 'worker-input.json'), 'utf8')) as { cell: PretrainCell; mode: OutputMode };
  const cfg = input.cell.config;
  await selectBackend({ backend: cfg.backend as BackendChoice, precision: cfg.precision, ...(cfg.threads > 0 ? { threads: cfg.threads } : {}) });
  const log = new RunLogger(join(dir, 'log.jsonl'), input.mode);
  const c0 = process.cpuUsage();
  const outcome = await runPretrainCell(input.cell, dir, log);
  const cu = process.cpuUsage(c0);
  writeFileAtomicSync(join(dir, 'worker-output.json'), JSON.stringify({ outcome, cpuSec: (cu.user + cu.system) / 1e6 }));
}

main(process.argv[2] as string).then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) => {
    process.stderr.write(`reproduce worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
