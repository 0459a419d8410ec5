// Overhead of gradient accumulation per micro-batch on the tfjs cpu backend:
// for a few model sizes, the time of `accumulate(grads)` next to the time of
// the forward+backward pass that produced the gradients, and the extra cost
// per optimizer step of going through the accumulator instead of calling the
// optimizer directly. Peer (when /usr/bin/python3 has torch): PyTorch's own
// accumulation, `p.grad += g` over the same parameter shapes.
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { timeIt, useBackend, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';
import { GradientAccumulator, LARS } from '@byolmed3d/grad-accum';

interface Model {
  name: string;
  vars: tf.Variable[];
  grads(): tf.NamedTensorMap;
  inputs: tf.Tensor[];
}

function variable(shape: number[], name: string, seed: number): tf.Variable {
  const t = tf.randomNormal(shape, 0, 0.05, 'float32', seed);
  const v = tf.variable(t, true, name);
  t.dispose();
  return v;
}

/** MLP in -> h -> h -> out with biases, batch 8. */
function mlp(name: string, inDim: number, h: number, out: number): Model {
  const dims = [inDim, h, h, out];
  const vars: tf.Variable[] = [];
  for (let i = 0; i < 3; i++) {
    vars.push(variable([dims[i]!, dims[i + 1]!], `${name}/dense${i}/kernel`, 10 * i + 1));
    vars.push(variable([dims[i + 1]!], `${name}/dense${i}/bias`, 10 * i + 2));
  }
  const x = tf.randomNormal([8, inDim], 0, 1, 'float32', 7);
  const y = tf.randomNormal([8, out], 0, 1, 'float32', 8);
  const loss = () =>
    tf.tidy(() => {
      let a: tf.Tensor = x;
      for (let i = 0; i < 3; i++) {
        a = tf.add(tf.matMul(a as tf.Tensor2D, vars[2 * i] as tf.Tensor2D), vars[2 * i + 1]!);
        if (i < 2) a = tf.relu(a);
      }
      return tf.mean(tf.square(tf.sub(a, y))) as tf.Scalar;
    });
  return { name, vars, inputs: [x, y], grads: () => gradsOf(loss, vars) };
}

/** Tiny 3D CNN on [2, 8, 16, 16, 3] clips: conv3d 3->c, conv3d c->2c (stride 2), pool, dense. */
function cnn3d(name: string, c: number): Model {
  const vars = [
    variable([3, 3, 3, 3, c], `${name}/conv1/kernel`, 1),
    variable([c], `${name}/conv1/bias`, 2),
    variable([3, 3, 3, c, 2 * c], `${name}/conv2/kernel`, 3),
    variable([2 * c], `${name}/conv2/bias`, 4),
    variable([2 * c, 16], `${name}/fc/kernel`, 5),
    variable([16], `${name}/fc/bias`, 6),
  ];
  const x = tf.randomNormal([2, 8, 16, 16, 3], 0, 1, 'float32', 9);
  const y = tf.randomNormal([2, 16], 0, 1, 'float32', 10);
  const [k1, b1, k2, b2, fw, fb] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const loss = () =>
    tf.tidy(() => {
      let a = tf.relu(tf.add(tf.conv3d(x as tf.Tensor5D, k1 as tf.Tensor5D, 1, 'same'), b1)) as tf.Tensor5D;
      a = tf.relu(tf.add(tf.conv3d(a, k2 as tf.Tensor5D, 2, 'same'), b2)) as tf.Tensor5D;
      const pooled = tf.mean(a, [1, 2, 3]) as tf.Tensor2D;
      const out = tf.add(tf.matMul(pooled, fw as tf.Tensor2D), fb);
      return tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
    });
  return { name, vars, inputs: [x, y], grads: () => gradsOf(loss, vars) };
}

function gradsOf(loss: () => tf.Scalar, vars: tf.Variable[]): tf.NamedTensorMap {
  const { value, grads } = tf.variableGrads(loss, vars);
  value.dispose();
  return grads;
}

const params = (m: Model) => m.vars.reduce((s, v) => s + v.size, 0);

/** PyTorch's accumulation (p.grad += g) over the same shapes, ms per micro-batch; undefined without torch. */
function torchAccumulate(shapes: number[][]): number | undefined {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return undefined;
  const script = `
import json, sys, time
import torch
torch.set_num_threads(1)
shapes = json.loads(sys.argv[1])
acc = [torch.zeros(s) for s in shapes]
g = [torch.randn(s) for s in shapes]
def run():
    for a, b in zip(acc, g):
        a.add_(b)
for _ in range(5): run()
ts = []
for _ in range(50):
    t0 = time.perf_counter(); run(); ts.append((time.perf_counter() - t0) * 1000)
ts.sort()
print(ts[len(ts) // 2])
`;
  const r = spawnSync(py, ['-c', script, JSON.stringify(shapes)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return undefined;
  const v = Number(r.stdout.trim());
  return Number.isFinite(v) ? v : undefined;
}

/** Medians of `a` and `b` timed in alternation, so load changes hit both alike. */
async function interleaved(a: () => unknown, b: () => unknown, repeats: number): Promise<[number, number]> {
  a();
  b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < repeats; i++) {
    ta.push(await timeIt(a, { repeats: 1, warmup: 0 }));
    tb.push(await timeIt(b, { repeats: 1, warmup: 0 }));
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)] as number;
  return [med(ta), med(tb)];
}

async function main(): Promise<void> {
  await useBackend('cpu');
  const rows: BenchRow[] = [];
  const models = [mlp('mlp_s', 64, 128, 32), mlp('mlp_m', 256, 512, 128), mlp('mlp_l', 512, 1024, 256), cnn3d('cnn3d', 16)];
  for (const m of models) {
    const p = params(m);
    const label = `${m.name} (${(p / 1000).toFixed(0)}k params)`;
    const fwdBwd = await timeIt(() => tf.dispose(Object.values(m.grads())), { repeats: 5, warmup: 1 });

    const g = m.grads();
    const list = Object.values(g);
    // accumulate only (a window that never fills), against a bare tf.add of the same gradients (the floor)
    const accOnly = new GradientAccumulator(new LARS({ learningRate: 0.01 }), { steps: Number.MAX_SAFE_INTEGER });
    const [accumulate, bareAdd] = await interleaved(
      () => accOnly.accumulate(g),
      () => tf.dispose(list.map((t) => tf.add(t, t))),
      15,
    );
    accOnly.dispose();

    // one optimizer step through the accumulator (steps = 1: accumulate + mean + LARS) vs LARS directly
    const viaAcc = new GradientAccumulator(new LARS({ learningRate: 1e-6 }), { steps: 1 });
    const direct = new LARS({ learningRate: 1e-6 });
    const [stepViaAcc, stepDirect] = await interleaved(() => viaAcc.accumulate(g), () => direct.applyGradients(g), 7);
    viaAcc.dispose();
    direct.dispose();
    tf.dispose(list);

    const peer = torchAccumulate(m.vars.map((v) => v.shape));
    rows.push({
      case: `accumulate per micro-batch, ${label}`,
      unit: 'ms',
      value: accumulate,
      higherIsBetter: false,
      ...(peer !== undefined ? { peer: { name: 'PyTorch p.grad.add_(g), 1 thread', value: peer } } : {}),
      notes: `cpu backend, ${m.vars.length} variables; a bare tf.add over the same gradients takes ${bareAdd.toFixed(3)} ms`,
    });
    rows.push({ case: `fwd+bwd per micro-batch, ${label}`, unit: 'ms', value: fwdBwd, higherIsBetter: false, notes: m.name.startsWith('mlp') ? 'batch 8' : 'clips [2, 8, 16, 16, 3]' });
    rows.push({ case: `accumulate overhead, ${label}`, unit: '% of fwd+bwd', value: (100 * accumulate) / fwdBwd, higherIsBetter: false });
    rows.push({ case: `optimizer step through accumulator (steps=1, LARS), ${label}`, unit: 'ms/step', value: stepViaAcc, higherIsBetter: false, notes: 'accumulate + mean + LARS.applyGradients' });
    rows.push({ case: `LARS.applyGradients directly, ${label}`, unit: 'ms/step', value: stepDirect, higherIsBetter: false });
    tf.dispose([...m.vars, ...m.inputs]);
  }
  writeBenchResult('grad-accum', rows, { backend: tf.getBackend(), loadavg: (await import('node:os')).loadavg() });
}

await main();
