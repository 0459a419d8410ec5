import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReproduceReport, defaultConfig, estimatePlan, expandPlan, mergeConfig, MRNET_SIZES, presets, type DownstreamCell, type Plan } from '@byolmed3d/experiment';
import { assumedCounts, cellDir, cellSeconds, configHash, spread, stableStringify, writePlan } from '@byolmed3d/experiment/internal';

const base = (over: Record<string, unknown> = {}) => mergeConfig(mergeConfig(defaultConfig(), presets.tiny), over);
const out = '/tmp/reproduce-plan-test';

describe('reproduce plan expansion', () => {
  it('expands the default matrix: methods x seeds pretraining, inits x protocols, imbalance and embeddings, shared cells once', () => {
    const plan = expandPlan(base(), { out });
    const pre = plan.cells.filter((c) => c.kind === 'pretrain');
    const ds = plan.cells.filter((c): c is DownstreamCell => c.kind === 'downstream');
    expect(plan.seeds).toEqual([0, 1, 2]);
    expect(pre.length).toBe(4 * 3);
    // Main table: (4 methods + random) x 3 protocols; imbalance adds byol-accum and random at 10% and 5% (fine-tune); the natural point is shared.
    expect(ds.length).toBe(3 * (5 * 3 + 2 * 2));
    const shared = ds.find((c) => c.init === 'byol-accum' && c.protocol === 'finetune' && c.positiveFraction === 0 && c.seed === 0);
    expect(shared?.studies.sort()).toEqual(['imbalance', 'main']);
    expect(plan.cells.filter((c) => c.kind === 'embed').length).toBe(5);
    expect(new Set(plan.cells.map((c) => c.key)).size).toBe(plan.cells.length);
    expect(plan.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/^not run: no weights/)]);
    // Every downstream cell that needs a pretraining cell comes after it.
    const at = new Map(plan.cells.map((c, i) => [c.key, i]));
    for (const c of ds) if (c.pretrainKey) expect(at.get(c.pretrainKey)).toBeLessThan(at.get(c.key) as number);
  });

  it('runs BYOL without accumulation with the same micro-batch and epochs, and schedules scaled to the same epochs', () => {
    const plan = expandPlan(base({ pretrain: { accumulation: 4, warmupSteps: 2, checkpointEvery: 3 }, reproduce: { monitorEvery: 5 } }), { out });
    const acc = plan.cells.find((c) => c.kind === 'pretrain' && c.method === 'byol-accum')!;
    const no = plan.cells.find((c) => c.kind === 'pretrain' && c.method === 'byol-noaccum')!;
    expect(no.config.pretrain).toMatchObject({ method: 'byol', accumulation: 1, microBatch: acc.config.pretrain.microBatch, epochs: acc.config.pretrain.epochs, warmupSteps: 8, checkpointEvery: 12 });
    expect(no.config.reproduce.monitorEvery).toBe(20);
    expect(acc.config.pretrain.accumulation).toBe(4);
  });

  it('adds the Kinetics baseline with full-width 3-channel r3d_18 when weights are given, and the planes study with --planes all', () => {
    const plan = expandPlan(base({ reproduce: { kinetics: '/weights/r3d_18.pth', planes: 'all', seeds: 1 } }), { out });
    expect(plan.skipped).toEqual([]);
    const kin = plan.cells.filter((c): c is DownstreamCell => c.kind === 'downstream' && c.init === 'kinetics');
    expect(kin.length).toBeGreaterThan(0);
    for (const c of kin) expect([c.config.model.widthMultiplier, c.config.data.channels, c.config.init.kind, c.config.init.weights]).toEqual([1, 3, 'weights', '/weights/r3d_18.pth']);
    expect(plan.planes).toEqual(['sagittal', 'coronal', 'axial']);
    // BYOL+accum is pretrained on each plane; the plane study runs on coronal and axial too.
    expect(plan.cells.filter((c) => c.kind === 'pretrain' && c.method === 'byol-accum').map((c) => c.plane).sort()).toEqual(['axial', 'coronal', 'sagittal']);
    expect(plan.cells.some((c) => c.kind === 'downstream' && c.plane === 'axial' && c.studies.includes('planes'))).toBe(true);
  });

  it('rejects unknown list entries naming the field', () => {
    expect(() => expandPlan(base({ reproduce: { methods: 'byol-accum,mocov3' } }), { out })).toThrow(/reproduce\.methods: unknown entry 'mocov3'/);
  });
});

describe('reproduce cell keys', () => {
  it('are hashes of what a cell computes: stable, and changed only for the cells a change affects', () => {
    expect(stableStringify({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    expect(configHash({ a: 1, b: 2 })).toBe(configHash({ b: 2, a: 1 }));
    const keys = (p: Plan): Map<string, string> => new Map(p.cells.map((c) => [c.id, c.key]));
    const a = keys(expandPlan(base(), { out }));
    expect(keys(expandPlan(base(), { out: '/elsewhere' }))).toEqual(a);
    const ft = keys(expandPlan(base({ finetune: { lr: 0.05 } }), { out }));
    for (const [id, k] of a) {
      if (id.startsWith('finetune/')) expect(ft.get(id), id).not.toBe(k);
      else expect(ft.get(id), id).toBe(k);
    }
    const pre = keys(expandPlan(base({ pretrain: { lr: 0.05 } }), { out }));
    for (const [id, k] of a) {
      const random = id.includes('/random/');
      if (random) expect(pre.get(id), id).toBe(k);
      else expect(pre.get(id), id).not.toBe(k);
    }
  });
});

describe('reproduce time estimate', () => {
  const units = { byolMicro: 2, noTargetMicro: 1, viewPair: 0.01, finetuneStep: 0.5, embedClip: 0.1, measuredBatch: 2, measuredCrop: 16 };
  it('assumes MRNet v1.0 sizes without data', () => {
    const n = assumedCounts(base({ data: { valFraction: 0.1 } }), MRNET_SIZES);
    expect(n.test).toBe(120);
    expect(n.train + n.val).toBe(1130);
    expect(n.val).toBe(113);
    const low = assumedCounts(base({ data: { valFraction: 0.1, positiveFraction: 0.05 } }), MRNET_SIZES);
    expect(low.downstreamPositives / low.downstreamTrain).toBeCloseTo(0.05, 2);
  });

  it('adds up optimizer steps, monitor evaluations, fine-tuning epochs and feature extraction per cell', () => {
    const cfg = base({ pretrain: { epochs: 2, microBatch: 4, accumulation: 2 }, finetune: { epochs: 3, batch: 4 }, data: { testClips: 2 }, reproduce: { monitorEvery: 2, monitorBank: 10, seeds: 1, methods: 'byol-accum', protocols: 'finetune,knn' } });
    const plan = expandPlan(cfg, { out });
    const n = { train: 40, downstreamTrain: 40, downstreamPositives: 10, val: 5, test: 8 };
    const pre = plan.cells.find((c) => c.kind === 'pretrain')!;
    // 5 steps per epoch x 2 epochs = 10 steps = 20 micro-batches of 2 s; 5 monitor evaluations of (10 + 5) clips.
    expect(cellSeconds(pre, units, n)).toBeCloseTo(20 * 2 + 5 * 15 * 0.1, 9);
    const ft = plan.cells.find((c) => c.kind === 'downstream' && c.protocol === 'finetune')!;
    expect(cellSeconds(ft, units, n)).toBeCloseTo(3 * 10 * 0.5 + 4 * 5 * 2 * 0.1 + 8 * 2 * 0.1, 9);
    const knn = plan.cells.find((c) => c.kind === 'downstream' && c.protocol === 'knn')!;
    expect(cellSeconds(knn, units, n)).toBeCloseTo((40 + 5 + 8) * 2 * 0.1, 9);
    const est = estimatePlan(plan, { backend: 'cpu', main: { wall: units, cpu: { ...units, byolMicro: 1 } }, seconds: 0 }, { done: new Set([pre.key]) });
    expect(est.counts).toBe('assumed');
    expect(est.totalSeconds).toBeCloseTo(est.cells.reduce((a, c) => a + c.seconds, 0), 9);
    expect(est.remainingSeconds).toBeCloseTo(est.totalSeconds - (est.cells.find((c) => c.key === pre.key)?.seconds ?? 0), 9);
    expect(est.totalCpuSeconds).toBeLessThan(est.totalSeconds);
  });
});

describe('reproduce report from the files on disk', () => {
  it('rebuilds the tables from cell records and predictions, marks missing cells pending and says why Kinetics did not run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reproduce-report-'));
    const cfg = base({ reproduce: { seeds: 2, methods: 'byol-accum', protocols: 'knn', positiveFractions: [0.1], imbalanceInits: 'byol-accum,random', imbalanceProtocols: 'knn' } });
    const plan = expandPlan(cfg, { out: dir });
    writePlan(dir, plan, null);
    // Synthetic predictions: byol-accum separates the classes better than random; seed 1 of random is missing.
    const labels = [0, 0, 0, 0, 1, 1, 1, 0, 1, 0];
    const ids = labels.map((_, i) => String(i).padStart(4, '0'));
    const good = labels.map((y, i) => (y ? 0.6 + i * 0.01 : 0.4 - i * 0.01));
    const weak = labels.map((y, i) => (i % 3 === 0 ? 0.7 : y ? 0.55 : 0.45));
    const write = (c: DownstreamCell, scores: number[]): void => {
      const d = cellDir(dir, c.key);
      mkdirSync(join(d, 'results'), { recursive: true });
      const result = { method: c.id, init: c.init, protocol: c.protocol, task: 'acl', plane: c.plane, ids, labels, scores, val: { ids, labels, scores } };
      writeFileSync(join(d, 'results', 'r.json'), JSON.stringify(result));
      const { config: _c, ...meta } = c;
      void _c;
      writeFileSync(join(d, 'cell.json'), JSON.stringify({ key: c.key, id: c.id, cell: meta, outcome: { kind: 'downstream', resultFile: 'results/r.json', train: { exams: 20, positives: c.positiveFraction > 0 ? 2 : 5 }, testAuc: null } }));
    };
    for (const c of plan.cells) {
      if (c.kind !== 'downstream') continue;
      if (c.init === 'random' && c.seed === 1) continue;
      write(c, c.init === 'random' ? weak : good);
    }
    const r = buildReproduceReport(dir);
    expect(r.planned).toBe(plan.cells.length);
    expect(r.done).toBe(plan.cells.filter((c) => c.kind === 'downstream').length - plan.cells.filter((c) => c.kind === 'downstream' && c.init === 'random' && c.seed === 1).length);
    const md = readFileSync(r.markdown, 'utf8');
    expect(md).toMatch(/\| BYOL \+ accumulation \| kNN \| 1\.000 ± 0\.000 \[/);
    expect(md).toMatch(/\| random init \| kNN \| 0\.\d{3} \[/);
    expect(md).toMatch(/\| Kinetics-400 r3d_18 \| all \| not run: no weights \|/);
    expect(md).toMatch(/## Class imbalance[\s\S]*\| BYOL \+ accumulation \| kNN \| 1\.000 ± 0\.000 \| 1\.000 ± 0\.000 \|/);
    expect(md).toMatch(/\| pretrain\/byol-accum\/sagittal\/seed0 \| `[0-9a-f]{16}` \| — \| pending \|/);
    expect(md).not.toMatch(/NaN/);
    expect(r.files).toContain(join('report', 'imbalance.png'));
    expect(Array.from(readFileSync(join(dir, 'report', 'roc-knn.png')).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // Pure function of the files: a second build gives the same report.
    expect(readFileSync(buildReproduceReport(dir).markdown, 'utf8')).toBe(md);
  });

  it("places the kNN monitor's legend where it covers no data (metrics' legend 'auto')", () => {
    const dir = mkdtempSync(join(tmpdir(), 'reproduce-monitor-'));
    const cfg = base({ reproduce: { seeds: 1, methods: 'byol-accum', protocols: 'knn', positiveFractions: [0.1], imbalanceInits: 'random', imbalanceProtocols: 'knn' } });
    const plan = expandPlan(cfg, { out: dir });
    writePlan(dir, plan, null);
    const pre = plan.cells.find((c) => c.kind === 'pretrain')!;
    const d = cellDir(dir, pre.key);
    mkdirSync(d, { recursive: true });
    // Rising AUC that drops at the last step: the old fixed lower-right legend covered the drop, the upper right is covered too.
    const auc = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.1];
    writeFileSync(join(d, 'curves.json'), JSON.stringify(auc.map((a, i) => ({ step: i + 1, loss: 1 / (i + 1), lr: 0.1, tau: 0.99, spread: 1, viewCosine: 0.5, knnAuc: a }))));
    const { config: _c, ...meta } = pre;
    void _c;
    writeFileSync(join(d, 'cell.json'), JSON.stringify({ key: pre.key, id: pre.id, cell: meta, outcome: { kind: 'pretrain', steps: 10, skippedExams: 0, collapse: null, lastKnnAuc: 0.1 } }));
    buildReproduceReport(dir);
    const svg = readFileSync(join(dir, 'report', 'knn-monitor.svg'), 'utf8');
    const frame = /<rect class="frame" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number) as [number, number, number, number];
    const box = /<g class="legend"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number) as [number, number, number, number];
    // Upper left: the first free corner.
    expect(box[0]).toBeLessThan(frame[0] + frame[2] / 2);
    expect(box[1]).toBeLessThan(frame[1] + frame[3] / 2);
  });

  it('gives mean and sample standard deviation of finite values only', () => {
    expect(spread([1, 3, null, Number.NaN])).toEqual({ mean: 2, sd: Math.SQRT2, values: [1, 3] });
    expect(spread([0.5])?.sd).toBeNull();
    expect(spread([null])).toBeNull();
  });
});
