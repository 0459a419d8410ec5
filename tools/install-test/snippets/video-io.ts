import { readVideo, type MedicalVideo, VideoReadError } from '@byolmed3d/video-io';

const read: (b: Uint8Array) => Promise<MedicalVideo> = (b) => readVideo(b, { name: 'x.npy' });
const shape: Promise<[number, number, number, number]> = read(new Uint8Array(0)).then((v) => v.shape);
const err: Error = new VideoReadError('f', 'npy', 'r');
export { shape, err };
