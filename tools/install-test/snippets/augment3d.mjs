import { byolMed3dViews } from '@byolmed3d/augment3d';

const clip = { data: new Float32Array(20 * 40 * 40).map((_, i) => (i % 97) / 97), shape: [20, 40, 40, 1] };
const [a, b] = byolMed3dViews({ size: 32, frames: 8, seed: 1 }).sample(clip);
const [c] = byolMed3dViews({ size: 32, frames: 8, seed: 1 }).sample(clip);
if (a.shape.join() !== '8,32,32,3' || b.shape.join() !== '8,32,32,3') throw new Error(`bad view shape ${a.shape}`);
if (a.data.some((v, i) => v !== c.data[i])) throw new Error('not reproducible from the seed');
console.log('ok');
