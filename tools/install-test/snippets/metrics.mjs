import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineChart, rocAuc, MetricsError, writeChart } from '@byolmed3d/metrics';

const auc = rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
if (Math.abs(auc - 0.75) > 1e-12) throw new Error(`auc ${auc}`);
try {
  rocAuc([1, 1], [0.2, 0.3]);
  throw new Error('no error for one class');
} catch (e) {
  if (!(e instanceof MetricsError)) throw e;
}
// writeChart loads @byolmed3d/util/node lazily: it must resolve from an install too.
const dir = mkdtempSync(join(tmpdir(), 'metrics-snippet-'));
try {
  const svg = await writeChart(join(dir, 'plot.svg'), lineChart([{ label: 'loss', x: [1, 2], y: [2, 1] }]));
  if (!readFileSync(svg, 'utf8').includes('</svg>')) throw new Error('writeChart wrote no SVG');
  if (readdirSync(dir).length !== 1) throw new Error(`writeChart left ${readdirSync(dir).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('ok');
