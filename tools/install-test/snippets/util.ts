import { Random, type RandomSnapshot } from '@byolmed3d/util';
import { writeFileAtomic } from '@byolmed3d/util/node';

const state: RandomSnapshot = new Random(1n).getState();
const write: (path: string, data: string) => Promise<void> = (p, d) => writeFileAtomic(p, d);
export { state, write };
