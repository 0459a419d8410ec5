// Regenerates the example plots in this folder from the committed fixtures:
//   cd packages/metrics && npx tsx docs/make-examples.mts
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrationChart, lineChart, prChart, rocChart, writeChart } from '@byolmed3d/metrics';

const here = dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(join(here, '..', 'test', 'fixtures', 'metrics.json'), 'utf8'));
const c = fx.cases[2];
const models = [
  { name: 'model A', labels: c.labels, scores: c.probs },
  { name: 'model B', labels: c.labels, scores: c.probs2 },
];
await writeChart(join(here, 'roc-example.png'), rocChart(models, { title: 'ROC curve (synthetic data)' }));
await writeChart(join(here, 'roc-example.svg'), rocChart(models, { title: 'ROC curve (synthetic data)' }));
await writeChart(join(here, 'pr-example.png'), prChart(models));
await writeChart(join(here, 'calibration-example.png'), calibrationChart(models));
const steps = Array.from({ length: 300 }, (_, i) => i);
const train = steps.map((s) => 1.9 * Math.exp(-s / 60) + 0.08 + 0.03 * Math.sin(s / 3));
const val = steps.map((s) => 2.0 * Math.exp(-s / 80) + 0.15);
await writeChart(join(here, 'loss-example.png'), lineChart([{ label: 'train', x: steps, y: train }, { label: 'validation', x: steps, y: val }], { title: 'Loss (synthetic)', yScale: 'log' }));
console.log('wrote examples to', here);
