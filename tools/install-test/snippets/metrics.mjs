import { rocAuc, MetricsError } from '@byolmed3d/metrics';

const auc = rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
if (Math.abs(auc - 0.75) > 1e-12) throw new Error(`auc ${auc}`);
try {
  rocAuc([1, 1], [0.2, 0.3]);
  throw new Error('no error for one class');
} catch (e) {
  if (!(e instanceof MetricsError)) throw e;
}
console.log('ok');
