import { describe, expect, it } from 'vitest';
import {
  bootstrapAucDifference,
  bootstrapCI,
  bootstrapMetrics,
  delong,
  delongTest,
  MetricsError,
  normalCdf,
  normalQuantile,
  rocAuc,
  type BootstrapMetricName,
} from '@byolmed3d/metrics';
import { fx } from './fixtures.js';

describe('normal distribution', () => {
  it('matches scipy.stats.norm cdf and ppf', () => {
    fx.normal.x.forEach((x, i) => {
      const ref = fx.normal.cdf[i] as number;
      expect(Math.abs(normalCdf(x) - ref)).toBeLessThanOrEqual(1e-14 + 1e-12 * ref);
    });
    fx.normal.p.forEach((p, i) => {
      const ref = fx.normal.ppf[i] as number;
      expect(Math.abs(normalQuantile(p) - ref)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref)));
    });
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(() => normalQuantile(1.5)).toThrow(MetricsError);
  });
});

describe('DeLong', () => {
  for (const c of fx.cases) {
    it(`matches the reference fast DeLong (Sun & Xu) on ${c.name}`, () => {
      const d = delong(c.labels, c.probs);
      expect(d.auc).toBeCloseTo(c.delong.auc, 12);
      expect(d.variance / c.delong.variance).toBeCloseTo(1, 10);
      expect(d.z).toBeCloseTo(c.delong.z, 9);
      expect(Math.abs(d.pValue - c.delong.pValue)).toBeLessThanOrEqual(1e-12 + 1e-9 * c.delong.pValue);
      expect(d.ci[0]).toBeCloseTo(c.delong.ci[0], 10);
      expect(d.ci[1]).toBeCloseTo(c.delong.ci[1], 10);
    });

    it(`paired test matches the reference on ${c.name}`, () => {
      const r = delongTest(c.labels, c.probs, c.probs2);
      const ref = c.delongPaired;
      expect(r.aucA).toBeCloseTo(ref.aucA as number, 12);
      expect(r.aucB).toBeCloseTo(ref.aucB as number, 12);
      expect(r.varianceA / (ref.varianceA as number)).toBeCloseTo(1, 10);
      expect(r.varianceB / (ref.varianceB as number)).toBeCloseTo(1, 10);
      expect(r.covariance / (ref.covariance as number)).toBeCloseTo(1, 9);
      expect(r.varianceDifference / (ref.varianceDifference as number)).toBeCloseTo(1, 8);
      expect(r.z).toBeCloseTo(ref.z as number, 8);
      expect(Math.abs(r.pValue - (ref.pValue as number))).toBeLessThanOrEqual(1e-12 + 1e-8 * (ref.pValue as number));
      expect(r.ci[0]).toBeCloseTo(ref.ci[0], 10);
      expect(r.ci[1]).toBeCloseTo(ref.ci[1], 10);
    });
  }

  it('gives p = 1 for identical models and rejects mismatched inputs', () => {
    const c = fx.cases[0]!;
    const r = delongTest(c.labels, c.probs, c.probs);
    expect(r.z).toBe(0);
    expect(r.pValue).toBe(1);
    expect(() => delongTest(c.labels, c.probs, c.probs.slice(1))).toThrow(MetricsError);
    expect(() => delong([1, 1, 1], [0.1, 0.2, 0.3])).toThrow(/both classes/);
  });
});

describe('bootstrap', () => {
  const names: BootstrapMetricName[] = ['auc', 'averagePrecision', 'accuracy', 'sensitivity', 'specificity', 'ppv', 'npv', 'f1', 'kappa', 'balancedAccuracy'];
  for (const c of fx.cases) {
    it(`stratified percentile CIs agree in distribution with the sklearn-resampled reference on ${c.name}`, () => {
      const b = bootstrapMetrics(c.labels, c.probs, { nBoot: 2000, seed: 3 });
      for (const nm of names) {
        const ci = b[nm]!;
        const ref = c.bootstrap[nm]!;
        const width = ref.upper - ref.lower;
        // Monte-Carlo error of 2000 vs 4000 replicates with different generators.
        const tol = Math.max(0.12 * width, 0.15 * ref.se, 1e-9);
        expect(Math.abs(ci.se - ref.se), `${nm} se`).toBeLessThanOrEqual(0.1 * ref.se + 1e-9);
        expect(Math.abs(ci.mean - ref.mean), `${nm} mean`).toBeLessThanOrEqual(0.15 * ref.se + 1e-9);
        expect(Math.abs(ci.lower - ref.lower), `${nm} lower`).toBeLessThanOrEqual(tol);
        expect(Math.abs(ci.upper - ref.upper), `${nm} upper`).toBeLessThanOrEqual(tol);
        expect(ci.lower).toBeLessThanOrEqual(ci.upper);
      }
      expect(b.auc.estimate).toBeCloseTo(c.auc, 12);
      expect(b.accuracy!.estimate).toBeCloseTo(c.at05.accuracy as number, 12);
      // Prevalence is fixed by stratification.
      expect(b.prevalence!.lower).toBe(b.prevalence!.upper);
      // The bootstrap SE of the AUC is close to DeLong's.
      expect(b.auc.se / Math.sqrt(c.delong.variance)).toBeGreaterThan(0.85);
      expect(b.auc.se / Math.sqrt(c.delong.variance)).toBeLessThan(1.15);
    });
  }

  it('is reproducible from its seed and changes with it', () => {
    const c = fx.cases[1]!;
    const a = bootstrapMetrics(c.labels, c.probs, { nBoot: 300, seed: 11, metrics: ['auc'] });
    const b = bootstrapMetrics(c.labels, c.probs, { nBoot: 300, seed: 11, metrics: ['auc'] });
    const d = bootstrapMetrics(c.labels, c.probs, { nBoot: 300, seed: 12, metrics: ['auc'] });
    expect(a.auc).toEqual(b.auc);
    expect(a.auc.lower === d.auc.lower && a.auc.upper === d.auc.upper && a.auc.se === d.auc.se).toBe(false);
    expect(Object.keys(a)).toEqual(['auc']);
  });

  it('generic bootstrapCI with rocAuc agrees with the weighted fast path', () => {
    const c = fx.cases[0]!;
    const g = bootstrapCI(c.labels, c.probs, (y, s) => rocAuc(y, s), { nBoot: 1000, seed: 5 });
    const ref = c.bootstrap.auc!;
    expect(g.estimate).toBeCloseTo(c.auc, 12);
    expect(Math.abs(g.se - ref.se)).toBeLessThan(0.12 * ref.se);
    expect(Math.abs(g.lower - ref.lower)).toBeLessThan(0.15 * (ref.upper - ref.lower));
    expect(Math.abs(g.upper - ref.upper)).toBeLessThan(0.15 * (ref.upper - ref.lower));
  });

  it('BCa intervals are close to percentile ones for the AUC and shift towards the skew', () => {
    const c = fx.cases[0]!;
    const p = bootstrapMetrics(c.labels, c.probs, { nBoot: 2000, seed: 1, metrics: ['auc'] }).auc;
    const b = bootstrapMetrics(c.labels, c.probs, { nBoot: 2000, seed: 1, metrics: ['auc'], method: 'bca' }).auc;
    const g = bootstrapCI(c.labels, c.probs, (y, s) => rocAuc(y, s), { nBoot: 2000, seed: 1, method: 'bca' });
    expect(b.method).toBe('bca');
    expect(g.method).toBe('bca');
    const w = p.upper - p.lower;
    expect(Math.abs(b.lower - p.lower)).toBeLessThan(0.2 * w);
    expect(Math.abs(b.upper - p.upper)).toBeLessThan(0.2 * w);
    expect(Math.abs(g.lower - b.lower)).toBeLessThan(0.15 * w);
    // AUC > 0.5 is skewed left: BCa moves both ends down relative to percentile.
    expect(b.lower).toBeLessThanOrEqual(p.lower + 1e-12);
  });

  it('plain (non-stratified) BCa and percentile intervals agree with scipy.stats.bootstrap', () => {
    const c = fx.cases[0]!;
    const ref = fx.bcaReference;
    const opts = { nBoot: 3000, seed: 9, stratified: false } as const;
    const bca = bootstrapCI(c.labels, c.probs, (y, s) => rocAuc(y, s), { ...opts, method: 'bca' });
    const pct = bootstrapCI(c.labels, c.probs, (y, s) => rocAuc(y, s), opts);
    const w = ref.bca[1] - ref.bca[0];
    expect(bca.method).toBe('bca');
    expect(Math.abs(bca.lower - ref.bca[0])).toBeLessThan(0.1 * w);
    expect(Math.abs(bca.upper - ref.bca[1])).toBeLessThan(0.1 * w);
    expect(Math.abs(pct.lower - ref.percentile[0])).toBeLessThan(0.1 * w);
    expect(Math.abs(pct.upper - ref.percentile[1])).toBeLessThan(0.1 * w);
    expect(Math.abs(bca.se - ref.se)).toBeLessThan(0.1 * ref.se);
    // The BCa correction moves the interval the same way as scipy's (the size of the
    // shift carries the Monte-Carlo noise of both bias estimates z0: over seeds 1..16
    // at nBoot 3000 the ratios range 0.17..1.03, so the bound is 0.1, well above the 0
    // that a missing correction gives).
    for (const k of [0, 1] as const) {
      const ours = (k === 0 ? bca.lower - pct.lower : bca.upper - pct.upper) / (ref.bca[k] - ref.percentile[k]);
      expect(ours, `shift ratio ${k}`).toBeGreaterThan(0.1);
      expect(ours, `shift ratio ${k}`).toBeLessThan(1.8);
    }
  });

  it('non-stratified resampling redraws one-class resamples and still works', () => {
    const b = bootstrapMetrics([0, 0, 0, 0, 1, 0, 1, 0], [0.1, 0.2, 0.3, 0.6, 0.7, 0.2, 0.9, 0.4], {
      nBoot: 200,
      stratified: false,
      metrics: ['auc', 'sensitivity', 'prevalence'],
    });
    expect(b.prevalence!.upper).toBeGreaterThan(b.prevalence!.lower);
    expect(Number.isFinite(b.auc.lower)).toBe(true);
  });

  it('rejects bad options and NaN statistics', () => {
    const c = fx.cases[1]!;
    expect(() => bootstrapMetrics(c.labels, c.probs, { nBoot: 1 })).toThrow(MetricsError);
    expect(() => bootstrapMetrics(c.labels, c.probs, { alpha: 2 })).toThrow(/alpha/);
    expect(() => bootstrapMetrics(c.labels, c.probs, { metrics: ['bogus' as never] })).toThrow(/unknown metric/);
    expect(() => bootstrapCI(c.labels, c.probs, () => NaN, { nBoot: 10 })).toThrow(/NaN/);
  });
});

describe('bootstrapAucDifference', () => {
  it('agrees with the paired DeLong test in distribution', () => {
    for (const c of fx.cases) {
      const r = bootstrapAucDifference(c.labels, c.probs, c.probs2, { nBoot: 2000, seed: 2 });
      const ref = c.delongPaired;
      expect(r.aucA).toBeCloseTo(c.auc, 12);
      expect(r.aucB).toBeCloseTo(c.auc2, 12);
      expect(r.difference.estimate).toBeCloseTo(c.auc - c.auc2, 12);
      const sd = Math.sqrt(ref.varianceDifference as number);
      expect(r.difference.se / sd, c.name).toBeGreaterThan(0.85);
      expect(r.difference.se / sd, c.name).toBeLessThan(1.15);
      // Same z up to the Monte-Carlo error of the bootstrap SD.
      expect(r.z / (ref.z as number), c.name).toBeGreaterThan(0.85);
      expect(r.z / (ref.z as number), c.name).toBeLessThan(1.15);
      expect(Math.abs(Math.log10(r.pValue) - Math.log10(ref.pValue as number)), c.name).toBeLessThan(0.15 * Math.max(1, -Math.log10(ref.pValue as number)));
    }
  });

  it('gives p = 1 and a zero-width interval for identical models', () => {
    const c = fx.cases[1]!;
    const r = bootstrapAucDifference(c.labels, c.probs, c.probs, { nBoot: 200 });
    expect(r.pValue).toBe(1);
    expect(r.difference.lower).toBe(0);
    expect(r.difference.upper).toBe(0);
  });
});
