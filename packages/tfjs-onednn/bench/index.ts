// npm run bench: r3d_18 training throughput on the onednn backend against
// the stock tfjs cpu backend and PyTorch (Debian /usr/bin/python3, 2 threads,
// NCDHW and channels_last_3d) in the same run, interleaved round by round
// (bench/interleave.ts); conv-layer GFLOP/s against a measured FP32 peak;
// peak RSS. Environment: BENCH_THREADS (default 2), BENCH_ROUNDS (default 3)
// and BENCH_STEPS (timed steps per contender and round, default 1),
// BENCH_WARMUP (untimed steps first, default 3), BENCH_REPEATS (conv layers
// and the small-shape comparison, default 3), BENCH_SHAPE (default 2,16,112,112).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-layers";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBenchResult, type BenchRow } from "@byolmed3d/test-utils";
import {
  batchNormTrain,
  isOneDnnAvailable,
  measureFp32Peak,
  oneDnnUnavailableReason,
  oneDnnVersion,
  registerOneDnnBackend,
} from "@byolmed3d/tfjs-onednn";
import { ByolBench } from "./byol.js";
import {
  inProcess,
  interleave,
  roundRatios,
  TorchPeer,
  type Contender,
  type Interleaved,
} from "./interleave.js";
import { R3d18, type BatchNormFn, type ConvShape } from "./r3d18.js";
import { PortablePeer, portableRow } from "./portable.js";

/** The package's training batch norm: fused native kernels on onednn. */
const fusedBn: BatchNormFn = (x, g, b) => {
  const r = batchNormTrain(x, g as tf.Tensor1D, b as tf.Tensor1D);
  tf.dispose([r.mean, r.variance]);
  return r.output;
};

const here = dirname(fileURLToPath(import.meta.url));
const threads = Number(process.env.BENCH_THREADS ?? 2);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const perRound = Number(process.env.BENCH_STEPS ?? 1);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const [N, T, H, W] = (process.env.BENCH_SHAPE ?? "2,16,112,112")
  .split(",")
  .map(Number) as [number, number, number, number];
const SMALL: [number, number, number, number] = [2, 4, 32, 32];
/** BENCH_PARTS: comma list of conv, fwdbwd, byol, small (default all). */
const parts = new Set(
  (process.env.BENCH_PARTS ?? "conv,fwdbwd,byol,small").split(",")
);
const rows: BenchRow[] = [];
const meta: Record<string, unknown> = {
  threads,
  repeats,
  rounds,
  stepsPerRound: perRound,
  warmup,
  shape: [N, T, H, W],
  loadavgStart: loadavg(),
};

interface Timing {
  median: number;
  best: number;
  cpu: number;
}

/** Median / best wall seconds and median process CPU seconds of `fn` after one warm-up call. */
function time(fn: () => void, n = repeats, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [],
    cs: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1e6);
  }
  ts.sort((a, b) => a - b);
  cs.sort((a, b) => a - b);
  return {
    median: ts[Math.floor(ts.length / 2)] as number,
    best: ts[0] as number,
    cpu: cs[Math.floor(cs.length / 2)] as number,
  };
}

const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function fwdBwd(model: R3d18, x: tf.Tensor5D): () => void {
  return () => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.apply(x)) as tf.Scalar,
      model.trainableVariables
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

// ---- r3d_18 conv shapes: forward, backward-data and backward-weights GFLOP/s
function convLayers(model: R3d18): {
  gflops: number;
  gflopsCpu: number;
  seconds: number;
  flop: number;
} {
  const shapes = model.convShapes([N, T, H, W, 3]);
  const uniq = new Map<string, ConvShape & { count: number; first: boolean }>();
  shapes.forEach((s, i) => {
    const k = JSON.stringify(s);
    const e = uniq.get(k);
    if (e) e.count++;
    else uniq.set(k, { ...s, count: 1, first: i === 0 });
  });
  let seconds = 0,
    cpuSeconds = 0,
    flop = 0;
  for (const s of uniq.values()) {
    const [kd, kh, kw, ci] = s.w as [number, number, number, number, number];
    const outElems = s.out.reduce((a, b) => a * b, 1);
    const f = 2 * outElems * kd * kh * kw * ci; // one pass
    const padded = s.x.map((d, i) =>
      i >= 1 && i <= 3 ? d + 2 * (s.pad[i - 1] as number) : d
    ) as [number, number, number, number, number];
    const str = s.stride;
    const wShape = s.w as [number, number, number, number, number];
    const x = tf.randomNormal(padded, 0, 1, "float32", 1) as tf.Tensor5D;
    const w = tf.randomNormal(wShape, 0, 0.05, "float32", 2) as tf.Tensor5D;
    const dy = tf.randomNormal(
      s.out as [number, number, number, number, number],
      0,
      1,
      "float32",
      3
    ) as tf.Tensor5D;
    const passes: (() => tf.Tensor)[] = [
      () => tf.conv3d(x, w, str, "valid"),
      () =>
        tf
          .engine()
          .runKernel(
            "Conv3DBackpropFilterV2",
            { x, dy },
            { strides: str, pad: "valid", filterShape: wShape }
          ) as tf.Tensor,
    ];
    if (!s.first)
      passes.push(
        () =>
          tf
            .engine()
            .runKernel(
              "Conv3DBackpropInputV2",
              { dy, filter: w },
              { strides: str, pad: "valid", inputShape: padded }
            ) as tf.Tensor
      );
    for (const p of passes) {
      const t = time(() => tf.dispose(p()), 2, 1);
      seconds += t.best * s.count;
      cpuSeconds += t.cpu * s.count;
      flop += f * s.count;
    }
    tf.dispose([x, w, dy]);
  }
  return {
    gflops: flop / seconds / 1e9,
    gflopsCpu: (flop / cpuSeconds / 1e9) * threads,
    seconds,
    flop,
  };
}

/** Starts the NCDHW and channels_last_3d PyTorch peers for `mode` (warmed up). */
async function torchPeers(mode: "fwdbwd" | "byol"): Promise<TorchPeer[]> {
  const args = (format: string): string[] => [
    "--mode",
    mode,
    "--format",
    format,
    "--threads",
    String(threads),
    "--shape",
    [N, T, H, W].join(","),
    "--warmup",
    String(warmup),
  ];
  const script = join(here, "torch_peer.py");
  const nc = await TorchPeer.start(script, "PyTorch NCDHW", args("ncdhw"));
  const cl = await TorchPeer.start(script, "PyTorch channels_last_3d", args("cl"));
  return [nc, cl].filter((p): p is TorchPeer => p !== undefined);
}

/** The faster of the PyTorch peers (by median step), with its label. */
function fasterPeer(res: Map<string, Interleaved>, peers: TorchPeer[]): { name: string; r: Interleaved } | undefined {
  let best: { name: string; r: Interleaved } | undefined;
  for (const p of peers) {
    const r = res.get(p.name) as Interleaved;
    if (!best || r.median < best.r.median) best = { name: p.name, r };
  }
  return best;
}

/** "name median s (CPU s)" of each peer, comma-separated. */
function peerSummary(res: Map<string, Interleaved>, peers: TorchPeer[]): string {
  return peers
    .map((p) => {
      const r = res.get(p.name) as Interleaved;
      return `${p.name} ${r.median.toFixed(2)} s (CPU ${r.cpu.toFixed(2)})`;
    })
    .join(", ");
}

const fmtRatios = (v: number[]): string => v.map((x) => x.toFixed(2)).join(", ");

async function main(): Promise<void> {
  if (!isOneDnnAvailable()) {
    console.log(
      `tfjs-onednn bench skipped: ${oneDnnUnavailableReason() ?? ""}`
    );
    writeBenchResult("tfjs-onednn", [], { skipped: oneDnnUnavailableReason() });
    return;
  }
  const name = await registerOneDnnBackend({ threads });
  meta.onednn = oneDnnVersion();
  const peak = measureFp32Peak({ threads, durationMs: 1000 });
  meta.peak = peak;
  rows.push({
    case: `FP32 peak, FMA loop, ${threads} threads (per-core CPU time; wall ${peak.wall.toFixed(
      0
    )} on this shared machine)`,
    unit: "GFLOP/s",
    value: peak.cpu,
    notes: `${peak.lanes} float lanes`,
  });
  await tf.setBackend(name);
  const clip = `${N}x${T}x${H}x${W}`;

  // Conv layers of r3d_18.
  if (parts.has("conv")) {
    const model = new R3d18(1);
    const c = convLayers(model);
    model.dispose();
    meta.conv = c;
    rows.push({
      case: `r3d_18 conv layers fwd+bwd (${clip}), best of 2, wall`,
      unit: "GFLOP/s",
      value: c.gflops,
      notes: `${((100 * c.gflops) / peak.cpu).toFixed(
        0
      )}% of the ${peak.cpu.toFixed(
        0
      )} GFLOP/s peak; by CPU time ${c.gflopsCpu.toFixed(0)} GFLOP/s (${(
        (100 * c.gflopsCpu) /
        peak.cpu
      ).toFixed(0)}%); ${(c.flop / 1e9).toFixed(
        0
      )} GFLOP in ${c.seconds.toFixed(2)} s`,
    });
  }

  // r3d_18 forward+backward, with the fused batch norm kernels and with the
  // composed one, interleaved with the PyTorch peers.
  if (parts.has("fwdbwd")) {
    const peers = await torchPeers("fwdbwd");
    const fit = await PortablePeer.startFitting("fwdbwd", [N, T, H, W], Math.min(warmup, 1)), portable = fit?.peer;
    const fused = new R3d18(1, "r3d", fusedBn);
    const composed = new R3d18(1, "r3dc");
    const x = tf.randomNormal([N, T, H, W, 3], 0, 1, "float32", 7) as tf.Tensor5D;
    const stepFused = fwdBwd(fused, x), stepComposed = fwdBwd(composed, x);
    for (let i = 0; i < warmup; i++) {
      stepFused();
      stepComposed();
    }
    const contenders: Contender[] = [
      inProcess("onednn fused BN", stepFused),
      inProcess("onednn composed BN", stepComposed),
      ...peers,
      ...(portable ? [portable] : []),
    ];
    console.log(`r3d_18 fwd+bwd ${clip}: ${rounds} interleaved rounds of ${perRound} step(s) after ${warmup} warm-up steps`);
    const res = await interleave(contenders, rounds, perRound);
    tf.dispose(x);
    fused.dispose();
    composed.dispose();
    meta.rssFwdBwdMb = maxRssMb();
    const peerRss = await Promise.all(peers.map((p) => p.stop()));
    await portable?.stop();
    const ours = res.get("onednn fused BN") as Interleaved;
    const comp = res.get("onednn composed BN") as Interleaved;
    const fb = fasterPeer(res, peers);
    const torchVersion = peerRss[0]?.torch ?? "";
    meta.fwdbwd = Object.fromEntries(res);
    const peerNotes = peerSummary(res, peers);
    rows.push({
      case: `r3d_18 fwd+bwd ${clip}, composed training BN (tfjs ops; resnet3d on other backends), median of ${rounds * perRound}`,
      unit: "clips/s",
      value: N / comp.median,
      ...(fb ? { peer: { name: `${fb.name} ${torchVersion}`, value: N / fb.r.median } } : {}),
    });
    rows.push({
      case: `r3d_18 fwd+bwd ${clip}, fused training BN, median of ${rounds * perRound}`,
      unit: "clips/s",
      value: N / ours.median,
      ...(fb ? { peer: { name: `${fb.name} ${torchVersion}`, value: N / fb.r.median } } : {}),
      notes: `onednn ${ours.median.toFixed(2)} s/step (best ${ours.best.toFixed(2)}, CPU ${ours.cpu.toFixed(2)} s), composed BN ${comp.median.toFixed(2)} s; ${peerNotes}${
        fb ? `; per-round ratios vs ${fb.name}: ${fmtRatios(roundRatios(ours, fb.r))}` : ""
      }`,
    });
    if (fit) rows.push(portableRow(`r3d_18 fwd+bwd ${fit.clips}x${T}x${H}x${W}`, fit.clips, res, fit.peer.name, "onednn fused BN", peers.map((p) => p.name), torchVersion, N));
  }

  // BYOL step, interleaved with the PyTorch peers.
  if (parts.has("byol")) {
    const peers = await torchPeers("byol");
    const fit = await PortablePeer.startFitting("byol", [N, T, H, W], Math.min(warmup, 1)), portable = fit?.peer;
    const b = new ByolBench(fusedBn);
    const v1 = tf.randomNormal([N, T, H, W, 3], 0, 1, "float32", 8) as tf.Tensor5D;
    const v2 = tf.randomNormal([N, T, H, W, 3], 0, 1, "float32", 9) as tf.Tensor5D;
    const step = (): void => {
      b.step(v1, v2);
    };
    for (let i = 0; i < warmup; i++) step();
    console.log(`BYOL step ${clip}: ${rounds} interleaved rounds of ${perRound} step(s) after ${warmup} warm-up steps`);
    const res = await interleave([inProcess("onednn", step), ...peers, ...(portable ? [portable] : [])], rounds, perRound);
    tf.dispose([v1, v2]);
    b.dispose();
    const rssByol = maxRssMb();
    const peerRss = await Promise.all(peers.map((p) => p.stop()));
    const portableRss = (await portable?.stop())?.maxrss_mb;
    const ours = res.get("onednn") as Interleaved;
    const bb = fasterPeer(res, peers);
    const torchVersion = peerRss[0]?.torch ?? "";
    meta.byol = Object.fromEntries(res);
    const ratios = bb ? roundRatios(ours, bb.r) : [];
    meta.byolRoundRatios = ratios;
    const peerNotes = peerSummary(res, peers);
    rows.push({
      case: `BYOL step r3d_18 (fused BN), micro-batch ${N}, two views ${T}x${H}x${W}, median of ${rounds * perRound}`,
      unit: "clips/s",
      value: N / ours.median,
      ...(bb ? { peer: { name: `${bb.name} ${torchVersion}`, value: N / bb.r.median } } : {}),
      notes: `onednn ${ours.median.toFixed(2)} s/step (best ${ours.best.toFixed(2)}, CPU ${ours.cpu.toFixed(2)} s); ${peerNotes}${
        bb ? `; per-round ratios vs ${bb.name}: ${fmtRatios(ratios)}` : ""
      }`,
    });
    if (fit) {
      const row = portableRow(`BYOL step r3d_18, micro-batch ${fit.clips}, two views ${T}x${H}x${W}`, fit.clips, res, fit.peer.name, "onednn", peers.map((p) => p.name), torchVersion, N);
      rows.push({ ...row, notes: `${row.notes ?? ""}; its process peak RSS ${(portableRss ?? 0).toFixed(0)} MB` });
    }
    const iPeer = bb ? peers.findIndex((p) => p.name === bb.name) : -1;
    const rssPeer = iPeer >= 0 ? peerRss[iPeer]?.maxrss_mb : undefined;
    rows.push({
      case: `peak RSS, BYOL step (process max; fwd+bwd alone ${Number(meta.rssFwdBwdMb ?? 0).toFixed(0)} MB)`,
      unit: "MB",
      value: rssByol,
      higherIsBetter: false,
      ...(rssPeer !== undefined && bb ? { peer: { name: bb.name, value: rssPeer } } : {}),
    });
  }

  // The stock cpu backend at a small shape (it is ~30x slower), against ours at the same shape.
  if (parts.has("small")) {
    const small = `${SMALL.join("x")}`;
    const run = async (backend: string): Promise<Timing> => {
      await tf.setBackend(backend);
      const model = new R3d18(
        1,
        "small",
        backend === "cpu" ? undefined : fusedBn
      );
      const x = tf.randomNormal(
        [...SMALL, 3],
        0,
        1,
        "float32",
        7
      ) as tf.Tensor5D;
      const t = time(fwdBwd(model, x), 1, 1);
      tf.dispose(x);
      model.dispose();
      return t;
    };
    const ours = await run(name);
    const stock = await run("cpu");
    rows.push({
      case: `r3d_18 fwd+bwd ${small} vs the stock tfjs cpu backend (1 step after 1 warm-up)`,
      unit: "clips/s",
      value: SMALL[0] / ours.median,
      peer: { name: "tfjs-backend-cpu 4.22", value: SMALL[0] / stock.median },
      notes: `onednn ${ours.median.toFixed(2)} s, cpu ${stock.median.toFixed(
        2
      )} s`,
    });
  }
  meta.loadavgEnd = loadavg();
  writeBenchResult("tfjs-onednn", rows, meta);
}

await main();
