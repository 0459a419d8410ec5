import { describe, expect, it } from 'vitest';
import { ByolMed3dError } from '@byolmed3d/util';
import { VideoReadError } from '@byolmed3d/video-io';

describe('VideoReadError', () => {
  it('names the file, the format and the problem', () => {
    const e = new VideoReadError('a/b.npy', 'npy', 'truncated: header says 10 bytes, file has 4');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('a/b.npy: npy: truncated: header says 10 bytes, file has 4');
    expect(e.file).toBe('a/b.npy');
    expect(e.format).toBe('npy');
    expect(e).toBeInstanceOf(ByolMed3dError);
    expect([e.name, e.where, e.reason]).toEqual(['VideoReadError', 'a/b.npy', 'truncated: header says 10 bytes, file has 4']);
    const cause = new Error('EIO');
    expect(new VideoReadError('c.nii', 'nifti', 'unreadable', { cause }).cause).toBe(cause);
  });
});
