import { rocAuc } from '@byolmed3d/metrics';

const auc: number = rocAuc(new Uint8Array([0, 1]), new Float64Array([0.2, 0.9]));
export { auc };
