import { byolMed3dViews, type Clip } from '@byolmed3d/augment3d';

const clip: Clip = { data: new Float32Array(8), shape: [2, 2, 2, 1] };
const views: [Clip, Clip] = byolMed3dViews({ size: 2, frames: 2 }).sample(clip);
export { views };
