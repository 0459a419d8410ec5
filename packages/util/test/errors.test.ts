import { describe, expect, it } from 'vitest';
import { ByolMed3dError, ByolMed3dFileError, UtilError } from '@byolmed3d/util';

describe('ByolMed3dError', () => {
  it('has the house shape: where, reason, cause, message WHERE: MESSAGE', () => {
    const cause = new Error('ENOSPC');
    const e = new ByolMed3dError('step', 'bad-shape', 'shape [2] is not [3]', { cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.where, e.reason, e.message, e.cause]).toEqual(['ByolMed3dError', 'step', 'bad-shape', 'step: shape [2] is not [3]', cause]);
    expect(new ByolMed3dError('f', 'worded reason').message).toBe('f: worded reason');
    expect('cause' in new ByolMed3dError('f', 'r')).toBe(false);
  });

  it('is the base of UtilError, which keeps its name, reason and system code', () => {
    const e = new UtilError('a.json', 'no-space', 'could not write', { cause: Object.assign(new Error('x'), { code: 'ENOSPC' }) });
    expect(e).toBeInstanceOf(ByolMed3dError);
    expect([e.name, e.where, e.reason, e.code, e.message]).toEqual(['UtilError', 'a.json', 'no-space', 'ENOSPC', 'a.json: could not write']);
  });

  it('ByolMed3dFileError names the file and the format', () => {
    const e = new ByolMed3dFileError('a.npy', 'npy', 'truncated');
    expect(e).toBeInstanceOf(ByolMed3dError);
    expect([e.name, e.where, e.file, e.format, e.reason, e.message]).toEqual(['ByolMed3dFileError', 'a.npy', 'a.npy', 'npy', 'truncated', 'a.npy: npy: truncated']);
  });
});
