// npm run bench: r3d_18 training throughput on the onednn backend against
// the stock tfjs cpu backend and PyTorch (Debian /usr/bin/python3, 2 threads,
// NCDHW and channels_last_3d) in the same run, interleaved round by round
// (bench/interleave.ts); conv-layer GFLOP/s against a measured FP32 peak;
// peak RSS. Environment: BENCH_THREADS (default 2), BENCH_ROUNDS (default 3)
// and BENCH_STEPS (timed steps per contender and round, default 1),
// BENCH_WARMUP (untimed steps first, default 3), BENCH_REPEATS (conv layers
// and the small-shape comparison, default 3), BENCH_SHAPE (default 2,16,112,112),
// BENCH_PRECISIONS (default fp32,bf16: ours in each precision and PyTorch in
// fp32 and under bf16 autocast, all in the same interleaved rounds),
// BENCH_PORTABLE=0 (leave out the tfjs-portable contender), BENCH_AB=0 (leave
// out the fp32 contenders in the previous form: ReLU / add as separate ops and
// plain tf.variableGrads), BENCH_BN_ACT=separate (every onednn contender with
// separate ReLU / add), BENCH_EARLY_RELEASE=0 (every one with plain tf.variableGrads).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-layers";
import { backend_util } from "@tensorflow/tfjs-core";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBenchResult, type BenchRow } from "@byolmed3d/test-utils";
import {
  getOneDnnInfo,
  isOneDnnAvailable,
  measureFp32Peak,
  measureGemmPeak,
  oneDnnUnavailableReason,
  oneDnnVersion,
  registerOneDnnBackend,
  releaseDuringBackprop,
  setOneDnnPrecision,
} from "@byolmed3d/tfjs-onednn";
import { loadAddon } from "../src/addon.js";
import { convGeometry } from "../src/kernels/conv3d.js";
import { ByolBench } from "./byol.js";
import {
  inProcess,
  interleave,
  roundRatios,
  TorchPeer,
  type Contender,
  type Interleaved,
} from "./interleave.js";
import { R3d18, fusedBn, fusedBnPlain, separateAct, type BatchNormFn, type ConvShape } from "./r3d18.js";
import { PortablePeer, portableRow } from "./portable.js";

/**
 * The fused batch norm without its ReLU / residual fusion (add and ReLU as
 * tfjs ops): the previous form, kept as a same-run A/B contender in fp32.
 */
const fusedBnSeparate: BatchNormFn = separateAct(fusedBnPlain);
/** BENCH_BN_ACT=separate: every onednn contender with the ReLU / add as separate ops (for before/after runs). */
const ourBn: BatchNormFn = process.env.BENCH_BN_ACT === "separate" ? fusedBnSeparate : fusedBn;
/** BENCH_EARLY_RELEASE=0: back-propagate with plain tf.variableGrads (tensors freed at the end of the backward pass). */
const earlyRelease = process.env.BENCH_EARLY_RELEASE !== "0";

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
type Precision = "fp32" | "bf16";
const precisions = (process.env.BENCH_PRECISIONS ?? "fp32,bf16")
  .split(",")
  .filter((p): p is Precision => p === "fp32" || p === "bf16");
/** Suffix of a contender's name: none for fp32 (the names of earlier runs), " bf16" otherwise. */
const tag = (p: Precision): string => (p === "fp32" ? "" : " bf16");
const rows: BenchRow[] = [];
const meta: Record<string, unknown> = {
  threads,
  repeats,
  rounds,
  stepsPerRound: perRound,
  warmup,
  shape: [N, T, H, W],
  loadavgStart: loadavg(),
  precisions,
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

/** One forward+backward of `model` on `x`; `early`: with releaseDuringBackprop. */
function fwdBwd(model: R3d18, x: tf.Tensor5D, early = earlyRelease): () => void {
  return () => {
    const loss = (): tf.Scalar => tf.sum(model.apply(x)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(
      early ? releaseDuringBackprop(loss) : loss,
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

/** Starts the NCDHW and channels_last_3d PyTorch peers for `mode`, in each precision (warmed up). */
async function torchPeers(mode: "fwdbwd" | "byol"): Promise<Map<Precision, TorchPeer[]>> {
  const args = (format: string, p: Precision): string[] => [
    "--mode",
    mode,
    "--format",
    format,
    "--precision",
    p,
    "--threads",
    String(threads),
    "--shape",
    [N, T, H, W].join(","),
    "--warmup",
    String(warmup),
  ];
  const script = join(here, "torch_peer.py");
  const out = new Map<Precision, TorchPeer[]>();
  for (const p of precisions) {
    const suffix = p === "fp32" ? "" : " bf16 autocast";
    // BENCH_TORCH_FORMATS (default ncdhw,cl): which PyTorch layouts run.
    const formats = (process.env.BENCH_TORCH_FORMATS ?? "ncdhw,cl").split(",");
    const nc = formats.includes("ncdhw") ? await TorchPeer.start(script, `PyTorch NCDHW${suffix}`, args("ncdhw", p)) : undefined;
    const cl = formats.includes("cl") ? await TorchPeer.start(script, `PyTorch channels_last_3d${suffix}`, args("cl", p)) : undefined;
    out.set(p, [nc, cl].filter((x): x is TorchPeer => x !== undefined));
  }
  return out;
}

/** Stops every peer; peak RSS and torch version by peer name. */
async function stopPeers(peers: Map<Precision, TorchPeer[]>): Promise<Map<string, { maxrss_mb: number; torch: string }>> {
  const res = new Map<string, { maxrss_mb: number; torch: string }>();
  for (const list of peers.values()) for (const p of list) res.set(p.name, await p.stop());
  return res;
}

/**
 * Prints once, for every distinct r3d_18 conv layer and the BYOL MLP matmuls,
 * the implementation oneDNN picked (impl_info_str) in each precision, and
 * which path the kernels take by default (the primitive or im2col + sgemm).
 */
function printImplementations(model: R3d18): void {
  const addon = loadAddon();
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const p of precisions) {
    setOneDnnPrecision(p);
    for (const s of model.convShapes([N, T, H, W, 3])) {
      const padded = s.x.map((d, i) => (i >= 1 && i <= 3 ? d + 2 * (s.pad[i - 1] as number) : d)) as [number, number, number, number, number];
      const info = backend_util.computeConv3DInfo(padded, s.w as [number, number, number, number, number], s.stride, 1, "valid");
      const g = convGeometry(info);
      const k = `${p} ${JSON.stringify([s.x, s.w, s.stride])}`;
      if (!g || seen.has(k)) continue;
      seen.add(k);
      const im = addon.conv3dImpl(g);
      const fwd = im.forwardPath === "onednn" ? im.forward : `im2col+sgemm (primitive: ${im.forward})`;
      const bww = im.backwardWeightsPath === "onednn" ? im.backwardWeights : `im2col+sgemm (primitive: ${im.backwardWeights})`;
      lines.push(`  ${p} conv x ${s.x.join("x")} w ${s.w.slice(0, 3).join("x")} ${s.w[3]}->${s.w[4]} stride ${s.stride.join(",")}: fwd ${fwd}; bwd-data ${im.backwardData}; bwd-weights ${bww}`);
    }
    for (const [m, k, n] of [[N, 512, 4096], [N, 4096, 256], [N, 256, 4096]] as const) {
      lines.push(`  ${p} matmul ${m}x${k} * ${k}x${n}: ${addon.matmulImpl([1, 1, m, k, n, 0, 0])}`);
    }
  }
  setOneDnnPrecision("fp32");
  meta.implementations = lines;
  console.log(`oneDNN ${oneDnnVersion() ?? ""} on ${getOneDnnInfo().isa}: implementations per primitive\n${lines.join("\n")}`);
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
  const name = await registerOneDnnBackend({ threads, precision: "fp32" });
  meta.onednn = oneDnnVersion();
  const isa = getOneDnnInfo().isa;
  meta.isa = isa;
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
  // GEMM peaks: oneDNN matmul 2048^3 in f32 and in bf16 (fp32 accumulation).
  const gemmPeaks: Partial<Record<Precision, number>> = {};
  for (const p of ["fp32", "bf16"] as const) {
    const g = measureGemmPeak({ dtype: p === "fp32" ? "f32" : "bf16", size: 2048, durationMs: 1500 });
    gemmPeaks[p] = g.cpu;
    meta[`gemmPeak_${p}`] = g;
    rows.push({
      case: `${p === "fp32" ? "FP32" : "BF16"} GEMM peak, oneDNN matmul 2048^3${p === "bf16" ? " (bf16 in, fp32 accumulate)" : ""}, ${threads} threads (by CPU time; wall ${g.wall.toFixed(0)})`,
      unit: "GFLOP/s",
      value: g.cpu,
      notes: g.impl,
    });
  }
  console.log(`ISA ${isa}; FP32 FMA peak ${peak.cpu.toFixed(0)} GFLOP/s; GEMM peaks fp32 ${(gemmPeaks.fp32 ?? 0).toFixed(0)}, bf16 ${(gemmPeaks.bf16 ?? 0).toFixed(0)} GFLOP/s (by CPU time)`);
  await tf.setBackend(name);
  const clip = `${N}x${T}x${H}x${W}`;
  {
    const m = new R3d18(1);
    printImplementations(m);
    m.dispose();
  }

  // Conv layers of r3d_18, in each precision.
  if (parts.has("conv")) {
    const model = new R3d18(1);
    for (const p of precisions) {
      setOneDnnPrecision(p);
      const c = convLayers(model);
      meta[`conv${tag(p)}`] = c;
      const pk = p === "fp32" ? peak.cpu : (gemmPeaks.bf16 ?? peak.cpu);
      const pkName = p === "fp32" ? "FP32 FMA" : "BF16 GEMM";
      rows.push({
        case: `r3d_18 conv layers fwd+bwd (${clip})${tag(p)}, best of 2, wall`,
        unit: "GFLOP/s",
        value: c.gflops,
        notes: `${((100 * c.gflops) / pk).toFixed(0)}% of the ${pk.toFixed(0)} GFLOP/s ${pkName} peak; by CPU time ${c.gflopsCpu.toFixed(0)} GFLOP/s (${(
          (100 * c.gflopsCpu) /
          pk
        ).toFixed(0)}%); ${(c.flop / 1e9).toFixed(0)} GFLOP in ${c.seconds.toFixed(2)} s`,
      });
    }
    setOneDnnPrecision("fp32");
    model.dispose();
  }

  /** `step` run in `p` (the precision is process-wide; primitives are cached per precision). */
  const inPrecision = (p: Precision, step: () => void) => (): void => {
    setOneDnnPrecision(p);
    step();
  };

  // r3d_18 forward+backward, with the fused batch norm kernels (each
  // precision) and with the composed one (fp32), interleaved with the
  // PyTorch peers (fp32 and bf16 autocast, both layouts).
  if (parts.has("fwdbwd")) {
    const peers = await torchPeers("fwdbwd");
    const fit = await PortablePeer.startFitting("fwdbwd", [N, T, H, W], Math.min(warmup, 1)), portable = fit?.peer;
    const fused = new R3d18(1, "r3d", ourBn);
    const separate = new R3d18(1, "r3ds", fusedBnSeparate);
    const composed = new R3d18(1, "r3dc");
    const x = tf.randomNormal([N, T, H, W, 3], 0, 1, "float32", 7) as tf.Tensor5D;
    const stepFused = fwdBwd(fused, x), stepComposed = inPrecision("fp32", fwdBwd(composed, x));
    const stepSeparate = inPrecision("fp32", fwdBwd(separate, x, false));
    const ourSteps = precisions.map((p) => ({ p, step: inPrecision(p, stepFused) }));
    for (let i = 0; i < warmup; i++) {
      for (const o of ourSteps) o.step();
      stepSeparate();
      stepComposed();
    }
    const contenders: Contender[] = [
      ...ourSteps.map((o) => inProcess(`onednn fused BN${tag(o.p)}`, o.step)),
      inProcess("onednn previous form", stepSeparate),
      inProcess("onednn composed BN", stepComposed),
      ...[...peers.values()].flat(),
      ...(portable ? [portable] : []),
    ];
    console.log(`r3d_18 fwd+bwd ${clip}: ${rounds} interleaved rounds of ${perRound} step(s) after ${warmup} warm-up steps`);
    const res = await interleave(contenders, rounds, perRound);
    tf.dispose(x);
    fused.dispose();
    separate.dispose();
    composed.dispose();
    meta.rssFwdBwdMb = maxRssMb();
    const peerRss = await stopPeers(peers);
    await portable?.stop();
    const torchVersion = [...peerRss.values()][0]?.torch ?? "";
    meta.fwdbwd = Object.fromEntries(res);
    const comp = res.get("onednn composed BN") as Interleaved;
    const sep = res.get("onednn previous form") as Interleaved;
    const fp32Peers = peers.get("fp32") ?? [];
    const fb32 = fasterPeer(res, fp32Peers);
    rows.push({
      case: `r3d_18 fwd+bwd ${clip}, composed training BN (tfjs ops; resnet3d on other backends), median of ${rounds * perRound}`,
      unit: "clips/s",
      value: N / comp.median,
      ...(fb32 ? { peer: { name: `${fb32.name} ${torchVersion}`, value: N / fb32.r.median } } : {}),
    });
    for (const p of precisions) {
      const ours = res.get(`onednn fused BN${tag(p)}`) as Interleaved;
      const pp = peers.get(p) ?? [];
      const fb = fasterPeer(res, pp);
      rows.push({
        case: `r3d_18 fwd+bwd ${clip}, fused training BN${tag(p)}, median of ${rounds * perRound}`,
        unit: "clips/s",
        value: N / ours.median,
        ...(fb ? { peer: { name: `${fb.name} ${torchVersion}`, value: N / fb.r.median } } : {}),
        notes: `onednn ${p} ${ours.median.toFixed(2)} s/step (best ${ours.best.toFixed(2)}, CPU ${ours.cpu.toFixed(2)} s)${
          p === "fp32" ? `, composed BN ${comp.median.toFixed(2)} s, previous form (separate ReLU/add, plain tf.variableGrads) ${sep.median.toFixed(2)} s (per-round ratios ${fmtRatios(roundRatios(ours, sep))})` : ""
        }; ${peerSummary(res, pp)}${fb ? `; per-round ratios vs ${fb.name}: ${fmtRatios(roundRatios(ours, fb.r))}` : ""}`,
      });
    }
    if (fit) rows.push(portableRow(`r3d_18 fwd+bwd ${fit.clips}x${T}x${H}x${W}`, fit.clips, res, fit.peer.name, "onednn fused BN", (peers.get("fp32") ?? []).map((p) => p.name), torchVersion, N));
  }

  // BYOL step in each precision, interleaved with the PyTorch peers.
  if (parts.has("byol")) {
    const peers = await torchPeers("byol");
    const fit = await PortablePeer.startFitting("byol", [N, T, H, W], Math.min(warmup, 1)), portable = fit?.peer;
    const b = new ByolBench(ourBn, earlyRelease);
    // Same-run A/B (BENCH_AB=0: off): the fp32 step in the previous form (ReLU / add as separate ops, plain tf.variableGrads).
    const ab = process.env.BENCH_AB !== "0" && process.env.BENCH_BN_ACT !== "separate" && precisions.includes("fp32");
    const bSep = ab ? new ByolBench(fusedBnSeparate, false, 4096, 256, "prev/") : undefined;
    const v1 = tf.randomNormal([N, T, H, W, 3], 0, 1, "float32", 8) as tf.Tensor5D;
    const v2 = tf.randomNormal([N, T, H, W, 3], 0, 1, "float32", 9) as tf.Tensor5D;
    const ourSteps = precisions.map((p) => ({
      name: `onednn${tag(p)}`,
      step: inPrecision(p, () => {
        b.step(v1, v2);
      }),
    }));
    if (bSep) ourSteps.push({ name: "onednn previous form", step: inPrecision("fp32", () => void bSep.step(v1, v2)) });
    for (let i = 0; i < warmup; i++) for (const o of ourSteps) o.step();
    console.log(`BYOL step ${clip}: ${rounds} interleaved rounds of ${perRound} step(s) after ${warmup} warm-up steps`);
    const res = await interleave([...ourSteps.map((o) => inProcess(o.name, o.step)), ...[...peers.values()].flat(), ...(portable ? [portable] : [])], rounds, perRound);
    tf.dispose([v1, v2]);
    b.dispose();
    bSep?.dispose();
    setOneDnnPrecision("fp32");
    const rssByol = maxRssMb();
    const peerRss = await stopPeers(peers);
    const portableRss = (await portable?.stop())?.maxrss_mb;
    const torchVersion = [...peerRss.values()][0]?.torch ?? "";
    meta.byol = Object.fromEntries(res);
    const sepNote = (p: Precision): string => {
      const sep = res.get("onednn previous form"), ours = res.get("onednn");
      return p === "fp32" && sep && ours ? `, previous form (separate ReLU/add, plain tf.variableGrads) ${sep.median.toFixed(2)} s (CPU ${sep.cpu.toFixed(2)}; per-round ratios ${fmtRatios(roundRatios(ours, sep))})` : "";
    };
    for (const p of precisions) {
      const ours = res.get(`onednn${tag(p)}`) as Interleaved;
      const pp = peers.get(p) ?? [];
      const bb = fasterPeer(res, pp);
      const ratios = bb ? roundRatios(ours, bb.r) : [];
      meta[`byolRoundRatios${tag(p).trim()}`] = ratios;
      rows.push({
        case: `BYOL step r3d_18 (fused BN)${tag(p)}, micro-batch ${N}, two views ${T}x${H}x${W}, median of ${rounds * perRound}`,
        unit: "clips/s",
        value: N / ours.median,
        ...(bb ? { peer: { name: `${bb.name} ${torchVersion}`, value: N / bb.r.median } } : {}),
        notes: `onednn ${p} ${ours.median.toFixed(2)} s/step (best ${ours.best.toFixed(2)}, CPU ${ours.cpu.toFixed(2)} s)${sepNote(p)}; ${peerSummary(res, pp)}${
          bb ? `; per-round ratios vs ${bb.name}: ${fmtRatios(ratios)}` : ""
        }`,
      });
    }
    const fp32Peers = peers.get("fp32") ?? [];
    const bb = fasterPeer(res, fp32Peers);
    const rssPeer = bb ? peerRss.get(bb.name)?.maxrss_mb : undefined;
    if (fit) {
      const row = portableRow(`BYOL step r3d_18, micro-batch ${fit.clips}, two views ${T}x${H}x${W}`, fit.clips, res, fit.peer.name, "onednn", fp32Peers.map((p) => p.name), torchVersion, N);
      rows.push({ ...row, notes: `${row.notes ?? ""}; its process peak RSS ${(portableRss ?? 0).toFixed(0)} MB` });
    }
    rows.push({
      case: `peak RSS, BYOL step (process max, ${precisions.join(" and ")} in one process; fwd+bwd alone ${Number(meta.rssFwdBwdMb ?? 0).toFixed(0)} MB)`,
      unit: "MB",
      value: rssByol,
      higherIsBetter: false,
      ...(rssPeer !== undefined && bb ? { peer: { name: bb.name, value: rssPeer } } : {}),
      notes: [...peerRss].map(([n, r]) => `${n} ${r.maxrss_mb.toFixed(0)} MB`).join(", "),
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
        backend === "cpu" ? undefined : ourBn
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
