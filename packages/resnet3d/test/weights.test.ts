import { ByolMed3dError } from '@byolmed3d/util';
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { testdataPath, useBackend } from '@byolmed3d/test-utils';
import {
  WeightsError,
  createVideoResNet,
  decodeSafetensors,
  describeStateDict,
  encodeSafetensors,
  floatToBfloat16,
  floatToHalf,
  bfloat16ToFloat,
  halfToFloat,
  parseTorchCheckpoint,
  readSafetensors,
  readTorchCheckpoint,
  writeSafetensors,
  type StateDict,
} from '@byolmed3d/resnet3d';
import { unpickle } from '@byolmed3d/resnet3d/pickle';
import { formulaTensor } from './formula.js';

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const expected = JSON.parse(readFileSync(fixture('checkpoint_expected.json'), 'utf8')) as Record<string, Record<string, { shape: number[]; dtype: string; data: number[] }>>;

function bitsEqual(a: StateDict, b: StateDict): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const [k, e] of Object.entries(a)) {
    const f = b[k]!;
    expect(f.shape, k).toEqual(e.shape);
    expect(f.dtype, k).toBe(e.dtype);
    expect(f.data.constructor, k).toBe(e.data.constructor);
    const x = new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const y = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    expect(Buffer.compare(Buffer.from(x), Buffer.from(y)), k).toBe(0);
  }
}

describe('readTorchCheckpoint', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('reads the golden r3d_18 stem+layer1 checkpoint exactly equal to the formula', async () => {
    const sd = await readTorchCheckpoint(testdataPath('golden', 'r3d_18_stem_layer1.pth'));
    const names = Object.keys(sd);
    expect(names[0]).toBe('stem.0.weight');
    expect(names.every((k) => k.startsWith('stem.') || k.startsWith('layer1.'))).toBe(true);
    expect(sd['stem.0.weight']!.shape).toEqual([64, 3, 3, 7, 7]);
    let tensors = 0;
    for (const [k, e] of Object.entries(sd)) {
      if (k.endsWith('num_batches_tracked')) {
        expect(e.dtype).toBe('int64');
        expect(e.shape).toEqual([]);
        expect(e.data).toEqual(BigInt64Array.of(0n));
        continue;
      }
      expect(e.dtype).toBe('float32');
      const want = formulaTensor(k, e.shape)!;
      expect(e.data.length).toBe(want.length);
      expect(Buffer.compare(Buffer.from((e.data as Float32Array).buffer), Buffer.from(want.buffer)), k).toBe(0);
      tensors++;
    }
    expect(tensors).toBeGreaterThan(20);
    // It loads into r3d_18 by name; the rest of the network is reported missing.
    const model = createVideoResNet('r3d_18', { numClasses: 0, initializer: (_n, _s, _k, shape) => tf.zeros(shape) });
    try {
      expect(() => model.loadStateDict(sd)).toThrow(/Missing key\(s\).*layer2\.0\.conv1\.0\.weight/);
      const res = model.loadStateDict(sd, { strict: false });
      expect(res.unexpectedKeys).toEqual([]);
      expect(res.missingKeys[0]).toBe('layer2.0.conv1.0.weight');
      const back = model.stateDict();
      expect(Array.from(back['layer1.1.conv2.0.weight']!.data as Float32Array)).toEqual(Array.from(sd['layer1.1.conv2.0.weight']!.data as Float32Array));
    } finally {
      model.dispose();
    }
  });

  it('finds nested state dicts, strips nothing itself, decodes every dtype, views and offsets, zip and legacy formats', async () => {
    for (const file of ['checkpoint_nested.pth', 'checkpoint_model.pth', 'checkpoint_legacy.pth']) {
      const sd = await readTorchCheckpoint(readFileSync(fixture(file)));
      const want = expected[file]!;
      expect(Object.keys(sd)).toEqual(Object.keys(want));
      for (const [k, w] of Object.entries(want)) {
        const e = sd[k]!;
        expect(e.shape, k).toEqual(w.shape);
        expect(e.dtype, k).toBe(w.dtype);
        const got = Array.from(e.data as ArrayLike<number | bigint>, (v) => Number(v));
        for (let i = 0; i < w.data.length; i++) expect(got[i], `${k}[${i}]`).toBeCloseTo(w.data[i]!, 6);
        expect(got.length).toBe(w.data.length);
      }
    }
  });

  it('picks an explicit key path and explains what is missing', () => {
    const bytes = readFileSync(fixture('checkpoint_model.pth'));
    expect(Object.keys(parseTorchCheckpoint(bytes, { key: 'model' }))).toEqual(['fc.weight', 'fc.bias']);
    expect(() => parseTorchCheckpoint(bytes, { key: ['optimizer', 'nope'] })).toThrow(/missing 'nope'/);
    expect(() => parseTorchCheckpoint(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(WeightsError);
  });

  it('never executes globals: unknown callables stay inert', () => {
    // protocol 2: c os\nsystem\n (X "echo hi" tR.  -> os.system('echo hi')
    const enc = new TextEncoder();
    const cmd = enc.encode('echo hi');
    const bytes = new Uint8Array([0x80, 2, ...enc.encode('cos\nsystem\n'), 0x28, 0x58, cmd.length, 0, 0, 0, ...cmd, 0x74, 0x52, 0x2e]);
    const obj = unpickle(bytes) as { callable: { qualifiedName: string }; args: unknown[] };
    expect(obj.callable.qualifiedName).toBe('os.system');
    expect(obj.args).toEqual(['echo hi']);
    expect(() => unpickle(new Uint8Array([0x80, 2, 0xff]))).toThrow(/unsupported pickle opcode 0xff/);
  });
});

describe('safetensors', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('round-trips stateDict -> safetensors file -> loadStateDict bit-exactly', async () => {
    const a = createVideoResNet('r2plus1d_18', { widthMultiplier: 0.125, numClasses: 5, seed: 1 });
    const b = createVideoResNet('r2plus1d_18', { widthMultiplier: 0.125, numClasses: 5, seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'resnet3d-'));
    try {
      // Make the running statistics and counters non-trivial first.
      tf.tidy(() => {
        a.apply(tf.randomNormal([2, 4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor5D, { training: true });
      });
      const sd = a.stateDict();
      expect(sd['stem.1.num_batches_tracked']!.data).toEqual(BigInt64Array.of(1n));
      const file = join(dir, 'w.safetensors');
      await writeSafetensors(file, sd, { metadata: { arch: 'r2plus1d_18' } });
      const back = await readSafetensors(file);
      bitsEqual(sd, back);
      expect(decodeSafetensors(readFileSync(file)).metadata).toEqual({ arch: 'r2plus1d_18' });
      b.loadStateDict(back);
      bitsEqual(sd, b.stateDict());
      const x = tf.randomNormal([1, 4, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor5D;
      const ya = a.apply(x);
      const yb = b.apply(x);
      expect(Array.from(yb.logits!.dataSync())).toEqual(Array.from(ya.logits!.dataSync()));
      tf.dispose([x, ya.features, ya.logits!, yb.features, yb.logits!]);
    } finally {
      a.dispose();
      b.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a valid header (8-byte aligned, sorted offsets) and half precision on request', () => {
    const sd: StateDict = {
      w: { shape: [2, 2], dtype: 'float32', data: Float32Array.of(1, -2.5, 65504, 1e-8) },
      n: { shape: [], dtype: 'int64', data: BigInt64Array.of(42n) },
    };
    const bytes = encodeSafetensors(sd);
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, { dtype: string; data_offsets: number[] }>;
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header.n).toEqual({ dtype: 'I64', shape: [], data_offsets: [16, 24] });
    const half = decodeSafetensors(encodeSafetensors(sd, { floatDType: 'float16' })).entries;
    expect(half.w!.dtype).toBe('float16');
    expect(Array.from(half.w!.data as Float32Array)).toEqual([1, -2.5, 65504, halfToFloat(floatToHalf(1e-8))]);
    const bf = decodeSafetensors(encodeSafetensors(sd, { floatDType: 'bfloat16' })).entries;
    expect(Array.from(bf.w!.data as Float32Array)).toEqual([1, -2.5, bfloat16ToFloat(floatToBfloat16(65504)), bfloat16ToFloat(floatToBfloat16(1e-8))]);
    expect(bfloat16ToFloat(floatToBfloat16(65504))).toBe(65536);
    expect(() => decodeSafetensors(new Uint8Array(4))).toThrow(WeightsError);
    const e = new WeightsError('w.safetensors', 'safetensors', 'truncated header');
    expect(e).toBeInstanceOf(ByolMed3dError);
    expect([e.name, e.file, e.where, e.format, e.reason, e.message]).toEqual(['WeightsError', 'w.safetensors', 'w.safetensors', 'safetensors', 'truncated header', 'w.safetensors: safetensors: truncated header']);
  });

  it('half-precision codecs round to nearest even and keep specials', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65520)).toBe(0x7c00); // overflows to inf
    expect(floatToHalf(2 ** -24)).toBe(1); // smallest subnormal
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    for (let h = 0; h < 0x7c00; h += 37) expect(floatToHalf(halfToFloat(h))).toBe(h);
    expect(floatToBfloat16(1)).toBe(0x3f80);
  });
});

describe('describeStateDict', () => {
  it('lists names, shapes, dtypes and counts parameters apart from buffers', async () => {
    const model = createVideoResNet('r3d_18', { widthMultiplier: 0.25, numClasses: 3 });
    try {
      const d = describeStateDict(model.stateDict());
      expect(d.parameterCount).toBe(model.parameterCount);
      expect(d.tensors[0]).toEqual({ name: 'stem.0.weight', shape: [16, 3, 3, 7, 7], dtype: 'float32', numel: 16 * 3 * 3 * 49, buffer: false });
      expect(d.dtypes.int64).toBe(d.tensors.filter((t) => t.name.endsWith('num_batches_tracked')).length);
      expect(d.text.split('\n').at(-1)).toMatch(/tensors \(\d+ float32, \d+ int64\); [\d,]+ parameters/);
      const pth = describeStateDict(await readTorchCheckpoint(testdataPath('golden', 'r3d_18_stem_layer1.pth')));
      expect(pth.tensors.length).toBe(6 + 2 * 12);
    } finally {
      model.dispose();
    }
  });
});
