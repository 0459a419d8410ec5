import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('browser safety', () => {
  it('the main entry imports nothing from Node or tfjs; only src/node/ may', () => {
    const src = join(import.meta.dirname, '..', 'src');
    for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(src, f), 'utf8');
      const specs = [...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
      for (const s of specs) expect(s.startsWith('./'), `${f} imports ${s}`).toBe(true);
      expect(text).not.toMatch(/Math\.random\(|\bBuffer\b|process\./);
    }
  });

  it('the node entry imports Node built-ins as namespaces only, so a bundle reaching it lazily builds (stubbed)', () => {
    const text = readFileSync(join(import.meta.dirname, '..', 'src', 'node', 'index.ts'), 'utf8');
    const named = [...text.matchAll(/^import\s+(?!\*\s+as\b)[^;]*from\s+'node:[^']+'/gm)].map((m) => m[0]);
    expect(named).toEqual([]);
  });
});
