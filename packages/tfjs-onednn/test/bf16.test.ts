import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv3dCases, conv3dGemmCase, expectNoLeaks, type Conv3dCase } from '@byolmed3d/test-utils';
import { OneDnnError, getOneDnnInfo, registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';
import { resolvePrecision } from '../src/precision.js';
import { available, bf16Supported, numel, onednn, rand, setup } from './helpers.js';

// bf16 tolerance. Every output of a convolution (forward, backward-data,
// backward-weights) or matmul is a dot product y = sum_k a_k b_k of length K.
// In bf16 mode both operands are rounded to bfloat16 (8 significant bits,
// round to nearest even: relative error at most u = 2^-8 each) and the
// products are accumulated in fp32. So
//   |y_bf16 - y_fp32| <= (2u + u^2) * S + 2 * K * 2^-24 * S,   S = sum_k |a_k| |b_k|,
// the first term from the rounded inputs (deterministic, no growth with K),
// the second from the two fp32 accumulations in different orders (the fp32
// kernel and the bf16 one; K * eps32 each, a worst-case bound). S of every
// output is computed exactly by the same operation on |a| and |b| in fp32.
// (The typical error is much smaller, about sqrt(K) * u * rms(a_k b_k), i.e.
// relative to S about u / sqrt(K); the bound holds for every element.)
const U = 2 ** -8;
const bound = (K: number): number => 2 * U + U * U + 2 * K * 2 ** -24;

// Odd shapes: odd spatial sizes, channel counts 1, 3, 5, 6, 7, 11, 13, 17,
// strides 1 and 2, same/valid, 1x1x1, [1,3,3], [3,1,1], the stem's 3x7x7.
// (tfjs's 'same' on a 1x1x1 stride-2 conv pads -1 and runs the stock fp32
// kernel, so that shared case is left out; resnet3d's shortcuts use 'valid'.)
const cases: Conv3dCase[] = [
  ...conv3dCases.filter((c) => !c.name.includes('pads -1')),
  { name: '1x1x1 stride 2 valid shortcut, 13->17', x: [2, 5, 7, 6, 13], w: [1, 1, 1, 13, 17], strides: 2, pad: 'valid' },
  conv3dGemmCase,
  { name: '3x3x3 stride 1 same, 32->32 (blocked bf16 kernels)', x: [1, 4, 9, 10, 32], w: [3, 3, 3, 32, 32], strides: 1, pad: 'same' },
];

/** Runs `fn` on the onednn backend in `precision`, in tf.tidy, without leaks; returns flat copies. */
async function runIn(precision: 'fp32' | 'bf16', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await registerOneDnnBackend({ threads: 2, precision });
  await tf.setBackend(onednn);
  return expectNoLeaks(() => {
    const out = tf.tidy(fn);
    const vals = out.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(out);
    return vals;
  });
}

interface Check {
  /** Largest |bf16 - fp32| / S over the elements. */
  worst: number;
  /** Elements outside the bound. */
  outside: number;
}

function check(bf: Float32Array, fp: Float32Array, s: Float32Array, K: number): Check {
  expect(bf.length).toBe(fp.length);
  const b = bound(K);
  let worst = 0, outside = 0;
  for (let i = 0; i < fp.length; i++) {
    const d = Math.abs((bf[i] as number) - (fp[i] as number));
    const si = s[i] as number;
    if (!Number.isFinite(bf[i] as number) || d > b * si + 1e-30) outside++;
    if (si > 0) worst = Math.max(worst, d / si);
  }
  return { worst, outside };
}

describe.skipIf(!bf16Supported)('bf16 kernels against the fp32 kernels (skipped when the addon is not built or the CPU cannot run bf16)', () => {
  beforeAll(async () => setup());
  afterAll(async () => {
    await registerOneDnnBackend({ threads: 2, precision: 'fp32' });
  });

  for (const c of cases) {
    it(`Conv3D ${c.name}: forward, backward-data and backward-weights within the bf16 bound`, async () => {
      const xd = rand(numel(c.x), 41), wd = rand(numel(c.w), 42);
      const kernels = (abs: boolean): tf.Tensor[] => {
        const x = tf.tensor5d(abs ? xd.map(Math.abs) : xd, c.x), w = tf.tensor5d(abs ? wd.map(Math.abs) : wd, c.w);
        const y = tf.conv3d(x, w, c.strides, c.pad);
        const dyd = rand(y.size, 43);
        const dy = tf.tensor(abs ? dyd.map(Math.abs) : dyd, y.shape);
        const e = tf.engine();
        const dx = e.runKernel('Conv3DBackpropInputV2', { dy, filter: w }, { strides: c.strides, pad: c.pad, inputShape: c.x }) as tf.Tensor;
        const dw = e.runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides: c.strides, pad: c.pad, filterShape: c.w }) as tf.Tensor;
        return [y, dx, dw];
      };
      const fp = await runIn('fp32', () => kernels(false));
      const S = await runIn('fp32', () => kernels(true));
      const bf = await runIn('bf16', () => kernels(false));
      const [kd, kh, kw, ci, co] = c.w;
      const out = fp[0] as Float32Array;
      const positions = out.length / co;
      // Dot-product lengths: forward kd*kh*kw*ci, backward-data at most kd*kh*kw*co, backward-weights N*oD*oH*oW.
      const Ks = [kd * kh * kw * ci, kd * kh * kw * co, positions];
      ['forward', 'backward-data', 'backward-weights'].forEach((what, k) => {
        const r = check(bf[k] as Float32Array, fp[k] as Float32Array, S[k] as Float32Array, Ks[k] as number);
        expect(r.outside, `${what}: elements outside ${bound(Ks[k] as number).toExponential(2)} * S (worst ${r.worst.toExponential(2)})`).toBe(0);
        // It did compute in bf16: fp32 kernels agree to ~1e-7 of S, bf16 rounding leaves far more.
        expect(r.worst, `${what} differs from fp32 as bf16 does`).toBeGreaterThan(2 ** -16);
      });
    });
  }

  const mm: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [3, 7], true, true],
    [[3, 5, 33], [33, 9], false, false],
    [[2, 17, 64], [2, 64, 13], false, false],
    [[2, 512], [512, 257], false, false],
  ];
  for (const [sa, sb, ta, tb] of mm) {
    it(`matMul ${JSON.stringify(sa)} x ${JSON.stringify(sb)} (transpose ${ta}, ${tb}) and its gradients within the bf16 bound`, async () => {
      const ad = rand(numel(sa), 51), bd = rand(numel(sb), 52);
      const sameBatch = numel(sa.slice(0, -2)) === numel(sb.slice(0, -2));
      const f = (abs: boolean): tf.Tensor[] => {
        const a = tf.tensor(abs ? ad.map(Math.abs) : ad, sa), b = tf.tensor(abs ? bd.map(Math.abs) : bd, sb);
        const y = tf.matMul(a, b, ta, tb);
        if (!sameBatch) return [y];
        const rd = rand(y.size, 53);
        const r = tf.tensor(abs ? rd.map(Math.abs) : rd, y.shape);
        return [y, ...tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, z, ta, tb), r)))([a, b])];
      };
      const fp = await runIn('fp32', () => f(false));
      const S = await runIn('fp32', () => f(true));
      const bf = await runIn('bf16', () => f(false));
      const K = ta ? (sa[sa.length - 2] as number) : (sa[sa.length - 1] as number);
      const M = ta ? (sa[sa.length - 1] as number) : (sa[sa.length - 2] as number);
      const N = tb ? (sb[sb.length - 2] as number) : (sb[sb.length - 1] as number);
      const Ks = [K, N, M];
      for (let k = 0; k < fp.length; k++) {
        const r = check(bf[k] as Float32Array, fp[k] as Float32Array, S[k] as Float32Array, Ks[k] as number);
        expect(r.outside, `#${k}: worst ${r.worst.toExponential(2)}`).toBe(0);
        expect(r.worst, `#${k} differs from fp32 as bf16 does`).toBeGreaterThan(2 ** -16);
      }
    });
  }

  it('getOneDnnInfo reports the precision asked for, and auto follows the ISA', async () => {
    await registerOneDnnBackend({ threads: 2, precision: 'bf16' });
    expect(getOneDnnInfo()).toMatchObject({ requested: 'bf16', precision: 'bf16' });
    await registerOneDnnBackend({ threads: 2, precision: 'auto' });
    const info = getOneDnnInfo();
    expect(info.precision).toBe(info.nativeBf16 ? 'bf16' : 'fp32');
    expect(info.label).toBe(`onednn (${info.precision}: ${info.isa})`);
    expect(info.reason).toMatch(/^auto: /);
    await expect(registerOneDnnBackend({ precision: 'fp16' as 'fp32' })).rejects.toThrow(/precision must be/);
    await registerOneDnnBackend({ threads: 2, precision: 'fp32' });
    expect(getOneDnnInfo()).toMatchObject({ requested: 'fp32', precision: 'fp32', reason: 'fp32 requested' });
  });
});

describe('resolvePrecision', () => {
  it('auto picks bf16 exactly where the ISA has native bf16', () => {
    expect(resolvePrecision('auto', 'avx512_core_bf16', true).precision).toBe('bf16');
    expect(resolvePrecision('auto', 'avx512_core_amx', true).precision).toBe('bf16');
    expect(resolvePrecision('auto', 'avx512_core', false)).toEqual({ precision: 'fp32', reason: 'auto: avx512_core has no native bf16 (needs avx512_core_bf16 or amx)' });
    expect(resolvePrecision('auto', 'avx2', false).precision).toBe('fp32');
    expect(resolvePrecision('bf16', 'avx512_core', false).reason).toMatch(/emulates it \(slow\)/);
    expect(resolvePrecision('bf16', 'avx512_core_bf16', true).precision).toBe('bf16');
    expect(resolvePrecision('fp32', 'avx512_core_bf16', true).precision).toBe('fp32');
  });

  it("an explicit 'bf16' where oneDNN cannot build bf16 kernels is a typed error naming the ISA; 'auto' and 'fp32' stay fp32", () => {
    const why = 'oneDNN conv3d forward: could not create a primitive descriptor iterator';
    let err: unknown;
    try {
      resolvePrecision('bf16', 'avx2', false, why);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OneDnnError);
    expect((err as OneDnnError).reason).toBe('unsupported-precision');
    expect((err as Error).message).toMatch(/^precision 'bf16': oneDNN cannot run bf16 kernels on this CPU \(ISA avx2; .*could not create a primitive.*use 'fp32' or 'auto'$/);
    expect(resolvePrecision('auto', 'avx2', false, why).precision).toBe('fp32');
    expect(resolvePrecision('auto', 'avx512_core_bf16', true, why).precision).toBe('fp32');
    expect(resolvePrecision('fp32', 'avx2', false, why).precision).toBe('fp32');
  });
});

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// ONEDNN_MAX_CPU_ISA is read once when oneDNN first dispatches, so each forced
// ISA runs in a child process: `auto` must fall back to fp32 there, and a
// convolution with gradients must still match the cpu backend at fp32 accuracy.
describe.skipIf(!available)('auto falls back to fp32 on a CPU without native bf16 (forced by ONEDNN_MAX_CPU_ISA)', () => {
  const script = [
    "import * as tf from '@tensorflow/tfjs-core';",
    "import '@tensorflow/tfjs-backend-cpu';",
    "import '@tensorflow/tfjs-layers';",
    "import { registerOneDnnBackend, getOneDnnInfo } from './src/index.ts';",
    'const name = await registerOneDnnBackend({ threads: 2 });',
    'const info = getOneDnnInfo();',
    'const xs = [2, 5, 7, 6, 3], ws = [3, 3, 3, 3, 5];',
    'const mk = (n, s) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + s); return a; };',
    'const xd = mk(2 * 5 * 7 * 6 * 3, 1), wd = mk(3 * 3 * 3 * 3 * 5, 2);',
    'const run = async (b) => { await tf.setBackend(b); return tf.tidy(() => {',
    '  const x = tf.tensor5d(xd, xs), w = tf.tensor5d(wd, ws);',
    "  const f = (a, c) => tf.sum(tf.square(tf.conv3d(a, c, [1, 2, 1], 'same')));",
    '  const [gx, gw] = tf.grads(f)([x, w]);',
    '  return [f(x, w), gx, gw].map((t) => Array.from(t.dataSync())); }); };',
    'const a = await run(name), b = await run("cpu");',
    'let err = 0; for (let k = 0; k < 3; k++) { const s = Math.max(1, ...b[k].map(Math.abs)); for (let i = 0; i < b[k].length; i++) err = Math.max(err, Math.abs(a[k][i] - b[k][i]) / s); }',
    'console.log(JSON.stringify({ info, err }));',
  ].join('\n');
  for (const isa of ['AVX512_CORE', 'AVX2']) {
    it(`ONEDNN_MAX_CPU_ISA=${isa}: auto runs fp32 and matches the cpu backend to 1e-5`, () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: pkgRoot,
        encoding: 'utf8',
        env: { ...process.env, ONEDNN_MAX_CPU_ISA: isa },
      });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { info: { isa: string; precision: string; nativeBf16: boolean; reason: string }; err: number };
      expect(out.info.isa).not.toMatch(/bf16|amx/);
      expect(out.info.nativeBf16).toBe(false);
      expect(out.info.precision).toBe('fp32');
      expect(out.info.reason).toMatch(/^auto: .* has no native bf16/);
      expect(out.err).toBeLessThan(1e-5);
    }, 60_000);
  }
});

// An explicit bf16 on a CPU where oneDNN cannot build bf16 kernels (forced:
// ONEDNN_MAX_CPU_ISA=AVX2, so this runs on every machine with the addon).
describe.skipIf(!available)("precision 'bf16' where oneDNN cannot run it (ONEDNN_MAX_CPU_ISA=AVX2)", () => {
  it('registerOneDnnBackend and setOneDnnPrecision refuse with reason unsupported-precision; the precision stays fp32 and fp32 still runs', () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-cpu';",
      "import { registerOneDnnBackend, getOneDnnInfo, setOneDnnPrecision } from './src/index.ts';",
      'const caught = async (f) => { try { await f(); return null; } catch (e) { return { name: e.name, reason: e.reason, message: e.message }; } };',
      "const reg = await caught(() => registerOneDnnBackend({ threads: 2, precision: 'bf16' }));",
      "const name = await registerOneDnnBackend({ threads: 2, precision: 'fp32' });",
      "const set = await caught(() => setOneDnnPrecision('bf16'));",
      'const info = getOneDnnInfo();',
      'await tf.setBackend(name);',
      "const y = tf.conv3d(tf.ones([1, 3, 4, 4, 2]), tf.ones([3, 3, 3, 2, 4]), 1, 'same');",
      'const centre = y.dataSync()[(1 * 4 * 4 + 1 * 4 + 1) * 4];',
      'console.log(JSON.stringify({ reg, set, info, centre }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: pkgRoot,
      encoding: 'utf8',
      env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX2' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
      reg: { name: string; reason: string; message: string } | null;
      set: { name: string; reason: string; message: string } | null;
      info: { isa: string; precision: string; bf16Supported: boolean };
      centre: number;
    };
    for (const e of [out.reg, out.set]) {
      expect(e).not.toBeNull();
      expect(e?.name).toBe('OneDnnError');
      expect(e?.reason).toBe('unsupported-precision');
      expect(e?.message).toMatch(/ISA avx2/);
    }
    expect(out.info).toMatchObject({ isa: 'avx2', precision: 'fp32', bf16Supported: false });
    // 3x3x3 window fully inside, 2 input channels of ones: 54.
    expect(out.centre).toBe(54);
  }, 60_000);
});
