import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { filesUnder } from '@byolmed3d/test-utils';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

const files = (dir: string): string[] => filesUnder(dir, '.ts');

describe('browser safety', () => {
  it('the library has no static Node or tfjs imports; only writeChart loads node: and @byolmed3d/util/node lazily', () => {
    const all = files(src);
    expect(all.length).toBeGreaterThan(10);
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      const imports = [...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
      for (const spec of imports) {
        // @byolmed3d/util's main entry is browser-safe (its own test checks that).
        expect(spec.startsWith('.') || spec === 'fflate' || spec === '@byolmed3d/util' || spec === 'umap-js', `${relative(src, f)} imports ${spec}`).toBe(true);
      }
      if (/import\('node:|@byolmed3d\/util\/node/.test(text)) expect(relative(src, f)).toBe(join('plot', 'write.ts'));
      // The PNG renderer reaches Node (to load @resvg/resvg-js) only through process.getBuiltinModule, guarded.
      if (/getBuiltinModule|@resvg/.test(text)) expect(relative(src, f)).toBe(join('plot', 'png.ts'));
      expect(text).not.toMatch(/Math\.random\(/);
      expect(text).not.toMatch(/\bBuffer\b|process\./);
    }
  });
});
