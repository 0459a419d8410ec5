import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { delong, delongTest, fitPlaneFusion, lineChart, renderPng, renderSvg, rocChart, thresholdMetrics, youdenThreshold, PALETTE, type Chart, type Series } from '@byolmed3d/metrics';
import { writeFileAtomicSync as writeFileAtomic } from '@byolmed3d/util/node';
import { formatDuration } from '../run/logger.js';
import { INIT_LABELS, PROTOCOL_LABELS, type InitName, type PretrainMethod, type ProtocolName } from './config.js';
import type { CurvePoint } from './monitor.js';
import { cellDir, type CellMeta, type DownstreamCell, type Plan, type PlaneName } from './plan.js';
import type { CellRecord, CellTiming, RunEnvironment } from './runner.js';
import type { MethodResult } from './steps.js';

/** The threshold metrics of the paper-style table, in column order. */
export const TABLE_METRICS = ['sensitivity', 'specificity', 'ppv', 'npv', 'f1', 'kappa', 'accuracy'] as const;
/** A metric of {@link TABLE_METRICS}. */
export type TableMetric = (typeof TABLE_METRICS)[number];

/** Test metrics of one downstream cell (one seed). */
export interface CellMetrics {
  /** AUC. */
  auc: number;
  /** DeLong 95% CI of the AUC. */
  ci: [number, number];
  /** Youden threshold chosen on the validation split (0.5 when it has one class). */
  threshold: number;
  /** Threshold metrics at that threshold on the test split (PPV/NPV are 0 when nothing is called positive/negative). */
  metrics: Record<TableMetric, number>;
}

/** Mean and sample standard deviation over seeds (sd null for one seed). */
export interface Spread {
  /** Mean. */
  mean: number;
  /** Sample standard deviation (n - 1), null with one value. */
  sd: number | null;
  /** Values, in seed order. */
  values: number[];
}

/** A plan file as written by `reproduce`: the {@link Plan} with cells without configs, and the report's title. */
export interface PlanFile extends Omit<Plan, 'cells'> {
  /** Cells. */
  cells: (CellMeta & { estimatedSec: number | null })[];
  /** Title of the report. */
  title?: string;
  /** Version of the cell-key scheme (`KEY_SCHEME` of plan.ts); absent in plans written before keys were content-based. */
  keyScheme?: number;
}

/** Everything on disk about one planned cell. */
export interface LoadedCell {
  /** The planned cell. */
  cell: PlanFile['cells'][number];
  /** Its record when done. */
  record: CellRecord | null;
  /** Its timing when done. */
  timing: CellTiming | null;
  /** Test/validation predictions (downstream cells). */
  result: MethodResult | null;
  /** Metrics (downstream cells with both classes in the test split). */
  metrics: CellMetrics | null;
  /** Training curves (pretraining cells). */
  curves: CurvePoint[];
}

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Metrics of one cell's predictions, or null when the test split has one class. */
export function cellMetrics(r: MethodResult): CellMetrics | null {
  const pos = r.labels.filter((y) => y === 1).length;
  if (pos === 0 || pos === r.labels.length) return null;
  const d = delong(r.labels, r.scores);
  let threshold = 0.5;
  try {
    threshold = youdenThreshold(r.val.labels, r.val.scores).threshold;
  } catch {
    // One class in validation: keep 0.5.
  }
  const t = thresholdMetrics(r.labels, r.scores, { threshold });
  const metrics = Object.fromEntries(TABLE_METRICS.map((k) => [k, t[k]])) as Record<TableMetric, number>;
  return { auc: d.auc, ci: d.ci, threshold, metrics };
}

/** Reads the plan and every cell's files of a reproduce output folder. */
export function loadRun(out: string): { plan: PlanFile; cells: LoadedCell[] } {
  const plan = readJson<PlanFile>(join(out, 'plan.json'));
  if (!plan) throw new Error(`${join(out, 'plan.json')}: not found (not a 'byolmed3d reproduce' folder)`);
  const cells = plan.cells.map((cell): LoadedCell => {
    const dir = cellDir(out, cell.key);
    const record = readJson<CellRecord>(join(dir, 'cell.json'));
    const timing = record ? readJson<CellTiming>(join(dir, 'timing.json')) : null;
    let result: MethodResult | null = null;
    if (record && record.outcome.kind === 'downstream') result = readJson<MethodResult>(join(dir, record.outcome.resultFile));
    const curves = record && record.outcome.kind === 'pretrain' ? (readJson<CurvePoint[]>(join(dir, 'curves.json')) ?? []) : [];
    return { cell, record, timing, result, metrics: result ? cellMetrics(result) : null, curves };
  });
  return { plan, cells };
}

/** Mean and spread of the finite values (null when none). */
export function spread(values: (number | null | undefined)[]): Spread | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : null;
  return { mean, sd, values: v };
}

const f3 = (x: number): string => x.toFixed(3);
const ms = (s: Spread | null): string => (s ? `${f3(s.mean)}${s.sd !== null ? ` ± ${f3(s.sd)}` : ''}` : '—');
const pct = (x: number): string => `${Number((x * 100).toFixed(1))}%`;
const pv = (p: number): string => (!Number.isFinite(p) ? 'n/a' : p < 1e-4 ? '<1e-4' : p.toPrecision(2));

type DS = LoadedCell & { cell: Omit<DownstreamCell, 'config'> & { estimatedSec: number | null } };

function downstreamCells(cells: LoadedCell[]): DS[] {
  return cells.filter((c): c is DS => c.cell.kind === 'downstream');
}

/** Paired DeLong test of two cells' predictions on the same test exams (null when not comparable). */
export function pairedDelong(a: MethodResult | null, b: MethodResult | null): { difference: number; pValue: number } | null {
  if (!a || !b || a.ids.join() !== b.ids.join()) return null;
  try {
    const t = delongTest(a.labels, a.scores, b.scores);
    return { difference: t.difference, pValue: t.pValue };
  } catch {
    return null;
  }
}

/** Per-seed MRNet-style fusion AUCs of one encoder start and protocol: logistic regression on the planes' probabilities, fitted on validation. */
export function fusionAucs(cells: DS[], init: InitName, protocol: ProtocolName, planes: PlaneName[], seeds: number[]): { seed: number; auc: number; coef: number[] }[] {
  const out: { seed: number; auc: number; coef: number[] }[] = [];
  for (const seed of seeds) {
    const per = planes.map((p) => cells.find((c) => c.cell.init === init && c.cell.protocol === protocol && c.cell.plane === p && c.cell.seed === seed && c.cell.positiveFraction === 0)?.result ?? null);
    if (per.some((r) => !r)) continue;
    const rs = per as MethodResult[];
    const ref = rs[0] as MethodResult;
    if (!rs.every((r) => r.ids.join() === ref.ids.join() && (r.val.ids ?? []).join() === (ref.val.ids ?? []).join())) continue;
    try {
      const model = fitPlaneFusion(ref.val.labels, Object.fromEntries(rs.map((r, i) => [planes[i] as string, r.val.scores])));
      const fused = Array.from(model.predict(Object.fromEntries(rs.map((r, i) => [planes[i] as string, r.scores]))));
      out.push({ seed, auc: delong(ref.labels, fused).auc, coef: Array.from(model.coef) });
    } catch {
      // One class in validation or test: no fusion for this seed.
    }
  }
  return out;
}

function writeChart(dir: string, name: string, chart: Chart): string {
  writeFileAtomic(join(dir, `${name}.svg`), renderSvg(chart));
  writeFileAtomic(join(dir, `${name}.png`), renderPng(chart));
  return `${name}.png`;
}

/** Options of {@link buildReproduceReport}. */
export interface BuildReportOptions {
  /** Report folder; default `<out>/report`. */
  dir?: string;
  /** Title. Default the plan's, else `'byolmed3d reproduce'`. */
  title?: string;
}

/** What {@link buildReproduceReport} wrote. */
export interface ReportFiles {
  /** `report.md`. */
  markdown: string;
  /** Every file written (plots as PNG and SVG, `summary.json`). */
  files: string[];
  /** Cells done / planned. */
  done: number;
  /** Cells planned. */
  planned: number;
}

/**
 * Rebuilds the report of a reproduce output folder from the files on disk
 * (plan, cell records, predictions, curves, embeddings, timings; a pure
 * function of them, runnable at any time, also while cells are missing):
 * `report.md` with the paper-style table (method x protocol, mean ± SD over
 * seeds, paired DeLong against random init within each seed), the
 * accumulation ablation, the imbalance study, per-plane and fused results,
 * the environment and time per cell, plus ROC curves, training curves (loss,
 * kNN monitor AUC, lr, tau, projection spread), AUC against positive
 * fraction and 2-D embeddings of test features, as PNG and SVG.
 */
export function buildReproduceReport(out: string, options: BuildReportOptions = {}): ReportFiles {
  const { plan, cells } = loadRun(out);
  const dir = options.dir ?? join(out, 'report');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const ds = downstreamCells(cells);
  const mainPlane = plan.planes[0] as PlaneName;
  const done = cells.filter((c) => c.record).length;
  const find = (init: InitName, protocol: ProtocolName, seed: number, fraction = 0, plane: PlaneName = mainPlane): DS | undefined =>
    ds.find((c) => c.cell.init === init && c.cell.protocol === protocol && c.cell.seed === seed && c.cell.positiveFraction === fraction && c.cell.plane === plane);
  const aucs = (init: InitName, protocol: ProtocolName, fraction = 0, plane: PlaneName = mainPlane): Spread | null => spread(plan.seeds.map((s) => find(init, protocol, s, fraction, plane)?.metrics?.auc));
  const env = readJson<RunEnvironment[]>(join(out, 'env.json')) ?? [];
  const anyResult = ds.find((c) => c.result)?.result;
  const skippedKinetics = plan.skipped.find((s) => s.what === INIT_LABELS.kinetics);

  const L: string[] = [];
  L.push(`# ${options.title ?? plan.title ?? 'byolmed3d reproduce'}`, '');
  L.push(`Cells done: **${done} of ${cells.length}**${done < cells.length ? ' (the report is partial; `byolmed3d reproduce --resume` runs the rest)' : ''}. Seeds: ${plan.seeds.join(', ')}. ` +
    `Task **${anyResult?.task ?? '?'}**, main plane **${mainPlane}**; test split: ${anyResult ? `${anyResult.labels.length} exams, ${anyResult.labels.filter((y) => y === 1).length} positive` : 'no results yet'}.`, '');
  L.push('Each number is the mean ± standard deviation over seeds of the per-seed test value. AUC: in brackets the mean of the per-seed DeLong 95% CIs. ' +
    'Threshold metrics at the Youden threshold chosen on the validation split (PPV and NPV count as 0 when nothing is called positive or negative). ' +
    '`Δ vs random`: mean AUC difference against random init with the same protocol, and the paired DeLong p-value of each seed.', '');
  for (const s of plan.skipped) L.push(`- **${s.what}**: ${s.reason}`);
  if (plan.skipped.length) L.push('');

  // 1. Paper-style table.
  L.push('## Main comparison', '');
  L.push(`| method | protocol | AUC (95% CI) | ${TABLE_METRICS.map((m) => ({ sensitivity: 'sens.', specificity: 'spec.', ppv: 'PPV', npv: 'NPV', f1: 'F1', kappa: 'kappa', accuracy: 'accuracy' })[m]).join(' | ')} | Δ vs random (p per seed) |`);
  L.push(`| --- | --- | --- | ${TABLE_METRICS.map(() => '---').join(' | ')} | --- |`);
  const summaryRows: Record<string, unknown>[] = [];
  const rowInits: InitName[] = [...plan.inits, ...(plan.inits.includes('kinetics') ? [] : (['kinetics'] as const))];
  for (const init of rowInits) {
    for (const protocol of plan.protocols) {
      if (init === 'kinetics' && !plan.inits.includes('kinetics')) {
        if (protocol === plan.protocols[0]) L.push(`| ${INIT_LABELS.kinetics} | all | ${skippedKinetics?.reason.split(' (')[0] ?? 'not run'} | ${TABLE_METRICS.map(() => '—').join(' | ')} | — |`);
        continue;
      }
      const per = plan.seeds.map((s) => find(init, protocol, s));
      const a = spread(per.map((c) => c?.metrics?.auc));
      const lo = spread(per.map((c) => c?.metrics?.ci[0])), hi = spread(per.map((c) => c?.metrics?.ci[1]));
      const mets = Object.fromEntries(TABLE_METRICS.map((m) => [m, spread(per.map((c) => c?.metrics?.metrics[m]))]));
      let vs = '—';
      if (init !== 'random') {
        const tests = plan.seeds.map((s) => pairedDelong(find(init, protocol, s)?.result ?? null, find('random', protocol, s)?.result ?? null));
        const d = spread(tests.map((t) => t?.difference));
        if (d) vs = `${d.mean >= 0 ? '+' : ''}${f3(d.mean)} (${tests.map((t) => (t ? pv(t.pValue) : '—')).join(', ')})`;
      }
      const aucText = a ? `${ms(a)} [${lo ? f3(lo.mean) : '?'}–${hi ? f3(hi.mean) : '?'}]` : 'pending';
      L.push(`| ${INIT_LABELS[init]} | ${PROTOCOL_LABELS[protocol]} | ${aucText} | ${TABLE_METRICS.map((m) => ms(mets[m] ?? null)).join(' | ')} | ${vs} |`);
      summaryRows.push({ init, protocol, auc: a, aucCi: lo && hi ? [lo.mean, hi.mean] : null, ...Object.fromEntries(TABLE_METRICS.map((m) => [m, mets[m]])), seeds: per.map((c) => c?.metrics ?? null) });
    }
  }
  L.push('');

  // 2. Accumulation ablation.
  const pre = cells.filter((c) => c.cell.kind === 'pretrain');
  const preOf = (method: PretrainMethod, seed: number, plane: PlaneName = mainPlane): LoadedCell | undefined => pre.find((c) => c.cell.kind === 'pretrain' && c.cell.method === method && c.cell.seed === seed && c.cell.plane === plane);
  if (plan.methods.includes('byol-accum') && plan.methods.includes('byol-noaccum')) {
    L.push('## Gradient accumulation ablation', '');
    L.push('BYOL with accumulation against BYOL without it: the same micro-batch, the same epochs (so without accumulation it takes that many times more, smaller optimizer steps; warmup and checkpoints cover the same epochs).', '');
    L.push('| protocol | BYOL + accumulation | BYOL, no accumulation | Δ AUC | paired DeLong p per seed |', '| --- | --- | --- | --- | --- |');
    for (const protocol of plan.protocols) {
      const tests = plan.seeds.map((s) => pairedDelong(find('byol-accum', protocol, s)?.result ?? null, find('byol-noaccum', protocol, s)?.result ?? null));
      const d = spread(tests.map((t) => t?.difference));
      L.push(`| ${PROTOCOL_LABELS[protocol]} | ${ms(aucs('byol-accum', protocol))} | ${ms(aucs('byol-noaccum', protocol))} | ${d ? `${d.mean >= 0 ? '+' : ''}${f3(d.mean)}` : '—'} | ${tests.map((t) => (t ? pv(t.pValue) : '—')).join(', ')} |`);
    }
    L.push('');
  }
  L.push('## Pretraining', '');
  L.push('| method | plane | effective batch | optimizer steps per seed | final loss | last kNN monitor AUC | collapse |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const plane of plan.planes) {
    for (const m of plan.methods) {
      const per = plan.seeds.map((s) => preOf(m, s, plane)).filter((c): c is LoadedCell => !!c);
      if (per.length === 0) continue;
      const recs = per.map((c) => (c.record?.outcome.kind === 'pretrain' ? c.record.outcome : null));
      const eff = m === 'byol-noaccum' ? 'micro-batch' : 'micro-batch x accumulation';
      L.push(`| ${INIT_LABELS[m]} | ${plane} | ${eff} | ${recs.map((r) => (r ? String(r.steps) : '—')).join(', ')} | ${ms(spread(per.map((c) => c.curves.at(-1)?.loss)))} | ${ms(spread(recs.map((r) => r?.lastKnnAuc)))} | ${recs.map((r) => (r ? (r.collapse ?? 'no') : 'pending')).join('; ')} |`);
    }
  }
  L.push('');

  // 3. Imbalance.
  const imb = ds.filter((c) => c.cell.studies.includes('imbalance'));
  if (imb.length > 0 && plan.positiveFractions.length > 0) {
    const inits = [...new Set(imb.map((c) => c.cell.init))];
    const protos = [...new Set(imb.map((c) => c.cell.protocol))];
    const fracs = [0, ...plan.positiveFractions];
    const natural = spread(imb.filter((c) => c.cell.positiveFraction === 0).map((c) => (c.record?.outcome.kind === 'downstream' ? c.record.outcome.train.positives / Math.max(1, c.record.outcome.train.exams) : null)));
    L.push('## Class imbalance', '');
    L.push(`Downstream training at the natural positive fraction (${natural ? pct(natural.mean) : '?'}) and at lower ones (positives subsampled, seeded); validation and test splits unchanged. Test AUC, mean ± SD over seeds.`, '');
    L.push(`| method | protocol | ${fracs.map((f) => (f === 0 ? 'natural' : `${pct(f)} positives`)).join(' | ')} |`, `| --- | --- | ${fracs.map(() => '---').join(' | ')} |`);
    const series: Series[] = [];
    for (const init of inits) {
      for (const protocol of protos) {
        const row = fracs.map((f) => aucs(init, protocol, f));
        L.push(`| ${INIT_LABELS[init]} | ${PROTOCOL_LABELS[protocol]} | ${row.map(ms).join(' | ')} |`);
        const pts = fracs.map((f, i) => ({ x: f === 0 ? (natural?.mean ?? NaN) : f, y: row[i]?.mean ?? NaN })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
        if (pts.length > 0) series.push({ label: `${INIT_LABELS[init]}, ${PROTOCOL_LABELS[protocol]}`, x: pts.map((p) => p.x * 100), y: pts.map((p) => p.y), markers: true });
      }
    }
    L.push('');
    if (series.length > 0) {
      const chart = lineChart(series, { title: 'Test AUC against positive fraction (mean over seeds)', xLabel: 'positives in downstream training (%)', yLabel: 'test AUC', legend: 'lower right', width: 760, height: 520 });
      chart.yRange = [0, 1];
      const png = writeChart(dir, 'imbalance', chart);
      files.push(png);
      L.push(`![AUC against positive fraction](${png})`, '');
    }
  }

  // 4. Planes and fusion.
  if (plan.planes.length > 1) {
    const pl = ds.filter((c) => c.cell.studies.includes('planes'));
    const inits = [...new Set(pl.map((c) => c.cell.init))];
    const protos = [...new Set(pl.map((c) => c.cell.protocol))];
    L.push('## Planes and MRNet-style fusion', '');
    L.push('Each plane on its own (its own pretraining for BYOL), and their fusion: a logistic regression on the per-plane probabilities, fitted on the validation split, applied to the test split. Test AUC, mean ± SD over seeds.', '');
    L.push(`| method | protocol | ${plan.planes.join(' | ')} | fusion | fusion weights (seed ${plan.seeds[0]}; ${plan.planes.join(', ')}) |`, `| --- | --- | ${plan.planes.map(() => '---').join(' | ')} | --- | --- |`);
    for (const init of inits) {
      for (const protocol of protos) {
        const fu = fusionAucs(pl, init, protocol, plan.planes, plan.seeds);
        const w = fu.find((x) => x.seed === plan.seeds[0]);
        L.push(`| ${INIT_LABELS[init]} | ${PROTOCOL_LABELS[protocol]} | ${plan.planes.map((p) => ms(aucs(init, protocol, 0, p))).join(' | ')} | ${ms(spread(fu.map((x) => x.auc)))} | ${w ? w.coef.map((c) => c.toFixed(2)).join(', ') : '—'} |`);
      }
    }
    L.push('');
  }

  // 5. ROC curves (first seed).
  const s0 = plan.seeds[0] as number;
  L.push('## ROC curves', '', `Test ROC curves of seed ${s0}, main plane, natural positive fraction.`, '');
  const rocPngs: string[] = [];
  for (const protocol of plan.protocols) {
    const models = plan.inits.map((init) => ({ init, r: find(init, protocol, s0)?.result })).filter((m) => m.r && m.r.labels.some((y) => y === 1) && m.r.labels.some((y) => y === 0));
    if (models.length === 0) continue;
    const chart = rocChart(models.map((m) => ({ name: INIT_LABELS[m.init], labels: m.r!.labels, scores: m.r!.scores })), { title: `ROC, ${PROTOCOL_LABELS[protocol]} (seed ${s0})`, width: 560, height: 520 });
    rocPngs.push(writeChart(dir, `roc-${protocol}`, chart));
  }
  files.push(...rocPngs);
  if (rocPngs.length) L.push(rocPngs.map((p) => `![ROC](${p})`).join(' '), '');

  // 6. Training curves.
  const curveCells = plan.methods.map((m) => ({ m, c: preOf(m, s0) })).filter((x) => x.c && x.c.curves.length > 0);
  if (curveCells.length > 0) {
    L.push('## Pretraining curves', '', `Seed ${s0}, main plane; x is the epoch (optimizer steps scaled to epochs, so runs with and without accumulation line up). The kNN monitor is the validation AUC of a cosine kNN classifier on the online encoder's features, every few optimizer steps. The projection spread is the per-dimension standard deviation of the L2-normalised projections times sqrt(D): about 1 when healthy, 0 when collapsed.`, '');
    const curvePngs: string[] = [];
    const mk = (name: string, title: string, yLabel: string, pick: (p: CurvePoint) => number | null | undefined): void => {
      const series: Series[] = [];
      curveCells.forEach(({ m, c }, i) => {
        const pts = c!.curves;
        const epochs = c!.cell.kind === 'pretrain' ? c!.cell.epochs : 1;
        const last = pts.at(-1)?.step ?? 1;
        const xy = pts.map((p) => ({ x: (p.step / last) * epochs, y: pick(p) })).filter((p): p is { x: number; y: number } => typeof p.y === 'number' && Number.isFinite(p.y));
        if (xy.length > 0) series.push({ label: INIT_LABELS[m], x: xy.map((p) => p.x), y: xy.map((p) => p.y), color: PALETTE[i % PALETTE.length] as string, markers: name === 'knn-monitor' });
      });
      if (series.length === 0) return;
      curvePngs.push(writeChart(dir, name, lineChart(series, { title, xLabel: 'epoch', yLabel, legend: name === 'knn-monitor' ? 'auto' : 'upper right', width: 560, height: 420 })));
    };
    mk('pretrain-loss', 'Pretraining loss', 'loss', (p) => p.loss);
    mk('knn-monitor', 'Online kNN monitor (validation AUC)', 'AUC', (p) => p.knnAuc);
    mk('pretrain-lr', 'Learning rate', 'lr', (p) => p.lr);
    mk('pretrain-tau', 'BYOL target decay tau', 'tau', (p) => p.tau);
    mk('projection-spread', 'Projection spread (collapse check)', 'spread', (p) => p.spread);
    files.push(...curvePngs);
    L.push(curvePngs.map((p) => `![${p}](${p})`).join(' '), '');
  }

  // 7. Embeddings.
  const emb = cells.filter((c) => c.cell.kind === 'embed' && c.record);
  if (emb.length > 0) {
    L.push('## 2-D embedding of test features', '', "UMAP (metrics' `umapEmbedding`, seeded) of each encoder's mean-pooled features of the test exams, before any downstream training; colour: label.", '');
    const embPngs: string[] = [];
    for (const c of emb) {
      const e = readJson<{ ids: string[]; labels: number[]; coords: number[] }>(join(cellDir(out, c.cell.key), 'embedding.json'));
      if (!e || e.labels.length === 0) continue;
      if (c.cell.kind !== 'embed') continue;
      const init = c.cell.init;
      // A scatter plot with the line-chart API: one single-point series per exam (a dot), the first of each class labelled for the legend.
      const series: Series[] = [];
      for (const cls of [0, 1]) {
        let first = true;
        e.labels.forEach((y, i) => {
          if (y !== cls) return;
          series.push({ ...(first ? { label: cls === 1 ? 'positive' : 'negative' } : {}), x: [e.coords[2 * i] as number], y: [e.coords[2 * i + 1] as number], markers: true, width: first ? 2.5 : 0, color: cls === 1 ? '#d62728' : '#1f77b4' });
          first = false;
        });
      }
      if (series.length === 0) continue;
      const chart = lineChart(series, { title: `UMAP, ${INIT_LABELS[init]}`, xLabel: 'UMAP 1', yLabel: 'UMAP 2', legend: 'upper right', width: 520, height: 460 });
      const pad = (v: number[]): [number, number] => {
        const lo = Math.min(...v), hi = Math.max(...v);
        const m = (hi - lo) * 0.08 || 1;
        return [lo - m, hi + m];
      };
      chart.xRange = pad(e.coords.filter((_, k) => k % 2 === 0));
      chart.yRange = pad(e.coords.filter((_, k) => k % 2 === 1));
      embPngs.push(writeChart(dir, `embedding-${init}`, chart));
    }
    files.push(...embPngs);
    L.push(embPngs.map((p) => `![${p}](${p})`).join(' '), '');
  }

  // 8. Environment and time.
  L.push('## Environment and time', '');
  const last = env.at(-1);
  if (last) {
    L.push(`- ${last.backend} (tfjs backend \`${last.tfBackend}\`), precision ${last.precision}, threads ${last.threads === 0 ? 'all cores' : last.threads}`);
    L.push(`- CPU: ${last.cpu}; load average at start ${last.load.toFixed(2)}`);
    L.push(`- versions: ${Object.entries(last.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    L.push(`- invocations: ${env.length} (${env.map((e) => e.startedAt).join(', ')})`);
  }
  const timed = cells.filter((c) => c.timing);
  const wall = timed.reduce((a, c) => a + (c.timing?.wallSec ?? 0), 0), cpu = timed.reduce((a, c) => a + (c.timing?.cpuSec ?? 0), 0);
  const est = cells.reduce((a, c) => a + (c.cell.estimatedSec ?? 0), 0);
  L.push(`- time in cells: ${formatDuration(wall)} wall, ${formatDuration(cpu)} CPU (${timed.length} cells); estimated before the run: ${formatDuration(est)}`, '');
  L.push('| cell | key | estimated | wall | CPU |', '| --- | --- | --- | --- | --- |');
  for (const c of cells) L.push(`| ${c.cell.id} | \`${c.cell.key}\` | ${c.cell.estimatedSec !== null ? formatDuration(c.cell.estimatedSec) : '—'} | ${c.timing ? formatDuration(c.timing.wallSec) : 'pending'} | ${c.timing ? `${c.timing.cpuSec.toFixed(1)} s` : '—'} |`);
  L.push('');

  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify({ done, planned: cells.length, main: summaryRows }, null, 2));
  files.push('summary.json');
  const markdown = join(dir, 'report.md');
  writeFileAtomic(markdown, `${L.join('\n')}\n`);
  return { markdown, files: files.map((f) => relative(out, join(dir, f))), done, planned: cells.length };
}
