import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJsonFileSync, writeFileAtomicSync } from '@byolmed3d/util/node';
import { bootstrapMetrics, delong, delongTest, figure, fitPlaneFusion, lineChart, renderPng, renderSvg, rocChart, youdenThreshold, type Chart, type Series } from '@byolmed3d/metrics';
import { readResults, type MethodResult } from '../train/downstream/results.js';

/** A point estimate with its 95% CI. */
export interface Estimate {
  /** Point estimate. */
  estimate: number;
  /** Lower bound. */
  lower: number;
  /** Upper bound. */
  upper: number;
}

/** Paired DeLong comparison of AUCs. */
export interface PairedComparison {
  /** AUC of this method minus AUC of random init. */
  difference: number;
  /** Two-sided p-value. */
  pValue: number;
}

/** One row of the report table. */
export interface ReportRow {
  /** Method label. */
  method: string;
  /** Protocol. */
  protocol: string;
  /** Test exams. */
  n: number;
  /** Positives among them. */
  positives: number;
  /** AUC with its DeLong 95% CI. */
  auc: Estimate;
  /** Threshold (Youden's J on validation) and bootstrap 95% CIs of the threshold metrics. */
  threshold: number;
  /** Per metric: estimate and 95% bootstrap CI. */
  metrics: Record<string, Estimate>;
  /** Paired DeLong test against random init with the same protocol (null when this is random init or none exists). */
  vsRandom: PairedComparison | null;
}

/** Result of `writeReport` (and `buildReport`). */
export interface ReportSummary {
  /** Path of `report.md`. */
  markdown: string;
  /** The rows. */
  rows: ReportRow[];
}

const THRESHOLD_METRICS = ['accuracy', 'sensitivity', 'specificity', 'f1', 'kappa', 'balancedAccuracy'] as const;

/**
 * MRNet-style three-plane fusion: for every (encoder start, protocol, task)
 * that has results on two or more planes with the same exams, a logistic
 * regression over the planes' probabilities is fitted on the validation split
 * and applied to the test split; the fused predictions are added as a method.
 */
export function withPlaneFusion(results: MethodResult[]): MethodResult[] {
  const groups = new Map<string, MethodResult[]>();
  for (const r of results) {
    if (r.plane.includes('+')) continue;
    const key = `${r.init}|${r.protocol}|${r.task}`;
    const g = groups.get(key) ?? [];
    if (!g.some((o) => o.plane === r.plane)) g.push(r);
    groups.set(key, g);
  }
  const fused: MethodResult[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const ref = g[0] as MethodResult;
    const same = g.every((r) => r.ids.join() === ref.ids.join() && r.val.ids && r.val.ids.join() === ref.val.ids?.join());
    if (!same) continue;
    const planes = g.map((r) => r.plane).sort();
    const byPlane = (pick: (r: MethodResult) => number[]): Record<string, number[]> => Object.fromEntries(g.map((r) => [r.plane, pick(r)]));
    try {
      const model = fitPlaneFusion(ref.val.labels, byPlane((r) => r.val.scores));
      fused.push({
        ...ref,
        method: `${ref.init} / ${ref.protocol} / fusion (${planes.join('+')})`,
        plane: planes.join('+'),
        scores: Array.from(model.predict(byPlane((r) => r.scores))),
        val: { ids: ref.val.ids ?? [], labels: ref.val.labels, scores: Array.from(model.predict(byPlane((r) => r.val.scores))) },
        losses: [],
      });
    } catch {
      // One class in validation: no fusion for this group.
    }
  }
  return [...results, ...fused];
}

function fmt(v: number, d = 3): string {
  return Number.isFinite(v) ? v.toFixed(d) : 'n/a';
}

function ci(m: Estimate): string {
  return `${fmt(m.estimate)} (${fmt(m.lower)}–${fmt(m.upper)})`;
}

/** Computes one table row (AUC by DeLong, threshold metrics by stratified bootstrap). */
export function reportRow(r: MethodResult, all: MethodResult[], nBoot: number, seed: number): ReportRow {
  const d = delong(r.labels, r.scores);
  let threshold = 0.5;
  try {
    threshold = youdenThreshold(r.val.labels, r.val.scores).threshold;
  } catch {
    // One class in validation: keep 0.5.
  }
  if (!Number.isFinite(threshold)) threshold = 0.5;
  const boot = bootstrapMetrics(r.labels, r.scores, { nBoot: Math.max(1, nBoot), seed, threshold, metrics: ['auc', ...THRESHOLD_METRICS] });
  const metrics: ReportRow['metrics'] = {};
  for (const k of THRESHOLD_METRICS) {
    const c = boot[k];
    if (c) metrics[k] = { estimate: c.estimate, lower: c.lower, upper: c.upper };
  }
  const random = all.find((o) => o.init === 'random' && o.protocol === r.protocol && o.task === r.task && o.plane === r.plane && o.method !== r.method);
  let vsRandom: ReportRow['vsRandom'] = null;
  if (random && r.init !== 'random' && random.ids.join() === r.ids.join()) {
    const t = delongTest(r.labels, r.scores, random.scores);
    vsRandom = { difference: t.difference, pValue: t.pValue };
  }
  return {
    method: r.method,
    protocol: r.protocol,
    n: r.labels.length,
    positives: r.labels.filter((y) => y === 1).length,
    auc: { estimate: d.auc, lower: d.ci[0], upper: d.ci[1] },
    threshold,
    metrics,
    vsRandom,
  };
}

/** The report's line on what computed the results: each backend and precision, with the methods it scored where they differ. */
export function computeLine(results: readonly MethodResult[]): string {
  const by = new Map<string, string[]>();
  for (const r of results) {
    const k = r.compute ? `backend \`${r.compute.backend}\`, precision **${r.compute.precision}**` : 'backend and precision not recorded';
    by.set(k, [...(by.get(k) ?? []), r.method]);
  }
  if (by.size === 1) return `Computed on ${[...by.keys()][0] as string}.`;
  return `Computed on: ${[...by].map(([k, m]) => `${k} (${m.join(', ')})`).join('; ')}.`;
}

/**
 * Writes `report.md` (every method and metric with 95% CIs and the paired
 * DeLong p-value against random init), `roc.svg`/`roc.png` and
 * `loss.svg`/`loss.png` into `outDir`.
 */
export function writeReport(runDirs: string[], outDir: string, options: { bootstrap?: number; seed?: number; title?: string } = {}): ReportSummary {
  const results = withPlaneFusion(readResults(runDirs));
  if (results.length === 0) throw new Error(`report: no results in ${runDirs.map((d) => join(d, 'results')).join(', ')} (run finetune, linear-probe or knn first)`);
  mkdirSync(outDir, { recursive: true });
  const rows = results.map((r) => reportRow(r, results, options.bootstrap ?? 1000, options.seed ?? 0));
  const first = results[0] as MethodResult;
  const lines: string[] = [
    `# ${options.title ?? 'byolmed3d report'}`,
    '',
    `Task **${first.task}**, plane **${first.plane}**; test set: ${rows[0]?.n} exams, ${rows[0]?.positives} positive. ` +
      'AUC with DeLong 95% CI; threshold metrics at the Youden threshold chosen on the validation split, with stratified bootstrap 95% CIs; ' +
      '`Δ vs random` is the paired DeLong test against the random-init encoder with the same protocol.',
    '',
    computeLine(results),
    '',
    '| method | protocol | AUC (95% CI) | accuracy | sensitivity | specificity | F1 | kappa | balanced acc. | Δ AUC vs random | p (DeLong) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const m = (k: string): string => (r.metrics[k] ? ci(r.metrics[k]) : 'n/a');
    const vs = r.vsRandom ? [`${r.vsRandom.difference >= 0 ? '+' : ''}${fmt(r.vsRandom.difference)}`, r.vsRandom.pValue < 1e-4 ? '<1e-4' : fmt(r.vsRandom.pValue, 4)] : ['—', '—'];
    lines.push(`| ${r.method} | ${r.protocol} | ${ci(r.auc)} | ${m('accuracy')} | ${m('sensitivity')} | ${m('specificity')} | ${m('f1')} | ${m('kappa')} | ${m('balancedAccuracy')} | ${vs[0]} | ${vs[1]} |`);
  }
  lines.push('', '![ROC curves](roc.png)', '', 'ROC curves: [roc.svg](roc.svg). Loss curves: [loss.svg](loss.svg), ![loss](loss.png)', '');
  const roc = rocChart(
    results.map((r) => ({ name: r.method, labels: r.labels, scores: r.scores })),
    { title: `ROC, ${first.task} (test)`, width: 720, height: 560 },
  );
  writeFileAtomicSync(join(outDir, 'roc.svg'), renderSvg(roc));
  writeFileAtomicSync(join(outDir, 'roc.png'), renderPng(roc));
  // Pretraining (per micro-batch) and fine-tuning (per epoch) have different x axes: one panel each.
  const pre: Series[] = [];
  for (const d of runDirs) {
    const f = join(d, 'pretrain', 'losses.json');
    if (existsSync(f)) {
      const l = readJsonFileSync(f) as { method: string; accumulation: number; losses: number[] };
      if (l.losses.length > 0) pre.push({ label: `${l.method}, accumulation ${l.accumulation} [${resolve(d).split('/').pop()}]`, x: l.losses.map((_, i) => i + 1), y: smooth(l.losses, 5) });
    }
  }
  const ft: Series[] = [];
  for (const r of results) {
    const ls = (r.losses ?? []).filter(Number.isFinite);
    if (ls.length > 0) ft.push({ label: r.method, x: ls.map((_, i) => i + 1), y: ls, markers: ls.length <= 20 });
  }
  const panels: Chart[] = [];
  if (pre.length > 0) panels.push(lineChart(pre, { title: 'pretraining (smoothed over 5 micro-batches)', xLabel: 'micro-batch', yLabel: 'loss' }));
  if (ft.length > 0) panels.push(lineChart(ft, { title: 'fine-tuning', xLabel: 'epoch', yLabel: 'loss' }));
  if (panels.length > 0) {
    const chart = figure(panels, { title: 'training loss', width: 600 * panels.length, height: 520 });
    writeFileAtomicSync(join(outDir, 'loss.svg'), renderSvg(chart));
    writeFileAtomicSync(join(outDir, 'loss.png'), renderPng(chart));
  }
  writeFileAtomicSync(join(outDir, 'report.json'), JSON.stringify(rows, null, 2));
  const markdown = join(outDir, 'report.md');
  writeFileAtomicSync(markdown, lines.join('\n'));
  return { markdown, rows };
}

function smooth(v: number[], k: number): number[] {
  return v.map((_, i) => {
    const a = v.slice(Math.max(0, i - k + 1), i + 1);
    return a.reduce((s, x) => s + x, 0) / a.length;
  });
}
