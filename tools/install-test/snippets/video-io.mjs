import { encodeNpy, readVideo, describeVideo, VideoReadError } from '@byolmed3d/video-io';

const data = new Uint8Array(2 * 3 * 4).map((_, i) => i);
const bytes = encodeNpy({ data, shape: [2, 3, 4], dtype: 'uint8' });
const v = await readVideo(bytes, { name: 'x.npy' });
if (v.shape.join() !== '2,3,4,1' || v.dtype !== 'uint8') throw new Error(`bad read ${v.shape} ${v.dtype}`);
if (describeVideo(v).max !== 23) throw new Error('bad stats');
try {
  await readVideo(bytes.subarray(0, 20), { name: 'cut.npy' });
  throw new Error('no error on truncated input');
} catch (e) {
  if (!(e instanceof VideoReadError)) throw e;
}
console.log('ok');
