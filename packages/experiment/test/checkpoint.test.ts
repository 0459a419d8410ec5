import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '@byolmed3d/experiment';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '@byolmed3d/experiment/internal';

describe('checkpoints', () => {
  it('round-trip state and tensors exactly, atomically (no temp file left)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-ck-'));
    const data = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i) * 1e3);
    saveCheckpoint(join(dir, 'step-00000001.ckpt'), { state: { micro: 3, losses: [1.5] }, tensors: { 'a/w': { shape: [37], data }, 'b/count': { shape: [], data: Float32Array.of(4), dtype: 'int32' } } });
    expect(readdirSync(dir)).toEqual(['step-00000001.ckpt']);
    const ck = loadCheckpoint(join(dir, 'step-00000001.ckpt'));
    expect(ck.state).toEqual({ micro: 3, losses: [1.5] });
    expect(Array.from(ck.tensors['a/w']!.data)).toEqual(Array.from(data));
    expect(ck.tensors['b/count']!.dtype).toBe('int32');
  });

  it('detects corruption and truncation by checksum; latestCheckpoint falls back to an older valid one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-ck-'));
    const t = { w: { shape: [4], data: Float32Array.of(1, 2, 3, 4) } };
    saveCheckpoint(join(dir, 'step-00000001.ckpt'), { state: { step: 1 }, tensors: t });
    saveCheckpoint(join(dir, 'step-00000002.ckpt'), { state: { step: 2 }, tensors: t });
    const p2 = join(dir, 'step-00000002.ckpt');
    const bytes = readFileSync(p2);
    bytes.writeUInt8((bytes[bytes.length - 2] as number) ^ 0xff, bytes.length - 2);
    writeFileSync(p2, bytes);
    expect(() => loadCheckpoint(p2)).toThrow(/sha256 mismatch/);
    writeFileSync(p2, bytes.subarray(0, bytes.length - 3));
    expect(() => loadCheckpoint(p2)).toThrow(CheckpointError);
    const warnings: string[] = [];
    const last = latestCheckpoint(dir, (e) => warnings.push(e.message));
    expect(last?.ckpt.state).toEqual({ step: 1 });
    expect(warnings).toHaveLength(1);
  });
});
