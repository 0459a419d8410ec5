import { describe, expect, it } from 'vitest';
import { VideoReadError } from '@byolmed3d/video-io';

describe('VideoReadError', () => {
  it('names the file, the format and the problem', () => {
    const e = new VideoReadError('a/b.npy', 'npy', 'truncated: header says 10 bytes, file has 4');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('a/b.npy: npy: truncated: header says 10 bytes, file has 4');
    expect(e.file).toBe('a/b.npy');
    expect(e.format).toBe('npy');
  });
});
