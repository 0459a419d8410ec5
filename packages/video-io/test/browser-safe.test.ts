import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { filesUnder } from '@byolmed3d/test-utils';
import { join } from 'node:path';

const sources = (dir: string): string[] => filesUnder(dir, '.ts');

describe('browser safety', () => {
  it('no module reachable from the index imports node:* statically (only lazily, with import())', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const offenders: string[] = [];
    for (const f of sources(src)) {
      if (f.endsWith('decode-worker.ts')) continue; // the worker entry is Node-only and not imported by the index
      const text = readFileSync(f, 'utf8');
      for (const line of text.split('\n')) {
        if (/^import\s+(?!type\b).*from\s+'node:/.test(line)) offenders.push(`${f}: ${line}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
