// Every `byolmed3d ...` command shown in a guide or README must be one the CLI
// accepts: the sub-command exists, and the flags of the experiment commands
// parse and validate against the config schema (a renamed flag or field
// fails here, not in a user's terminal). `inspect` lines on repository files
// run for real. Relative links in the guides must point at files that exist.
import { describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands, main, parseRunArgs } from '@byolmed3d/experiment';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RUN_COMMANDS = new Set(['pretrain', 'finetune', 'linear-probe', 'knn', 'evaluate', 'report']);

function docFiles(): string[] {
  const out = [join(root, 'README.md')];
  const guides = join(root, 'docs', 'guides');
  for (const f of readdirSync(guides)) if (f.endsWith('.md')) out.push(join(guides, f));
  for (const dir of ['packages', 'examples']) {
    for (const d of readdirSync(join(root, dir))) {
      const readme = join(root, dir, d, 'README.md');
      if (existsSync(readme)) out.push(readme);
    }
  }
  return out;
}

/** Shell words of one command line: quotes removed, `$VAR`s replaced by a placeholder path. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? '').replace(/\$\{?[A-Za-z_]+\}?/g, 'X'));
  return out;
}

interface Shown {
  file: string;
  line: string;
  argv: string[];
}

function shownCommands(): Shown[] {
  const found: Shown[] = [];
  for (const file of docFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
      for (let raw of (block[1] ?? '').split('\n')) {
        raw = raw.replace(/\s+#.*$/, '').trim();
        // Split `a && b` chains and strip loop syntax around commands.
        for (const part of raw.split(/&&|;/)) {
          const cmd = part.trim().replace(/^(do|then)\s+/, '');
          const m = /^(?:npx\s+)?byolmed3d\s+(.*)$/.exec(cmd);
          if (m) found.push({ file: file.slice(root.length + 1), line: cmd, argv: words(m[1] ?? '') });
        }
      }
    }
  }
  return found;
}

const shown = shownCommands();

describe('commands shown in the docs', () => {
  it('finds the commands to check', () => {
    expect(shown.length).toBeGreaterThan(10);
  });

  for (const s of shown) {
    it(`${s.file}: byolmed3d ${s.argv.join(' ')}`, async () => {
      const [name, ...rest] = s.argv;
      if (name === '--help' || name === '--version') return;
      expect(commands.map((c) => c.name), `unknown command in ${s.file}: ${s.line}`).toContain(name);
      if (name !== undefined && RUN_COMMANDS.has(name)) {
        expect(() => parseRunArgs(rest)).not.toThrow();
      }
      if (name === 'inspect') {
        const paths = rest.filter((a) => !a.startsWith('--'));
        if (paths.every((p) => existsSync(join(root, p)))) {
          const log = vi.spyOn(console, 'log').mockImplementation(() => {});
          const code = await main(['inspect', ...rest.map((a) => (a.startsWith('--') ? a : join(root, a)))]);
          log.mockRestore();
          expect(code).toBe(0);
        }
      }
    });
  }
});

describe('links in the guides', () => {
  const guides = join(root, 'docs', 'guides');
  for (const f of readdirSync(guides).filter((x) => x.endsWith('.md'))) {
    it(`${f}: relative links resolve`, () => {
      const text = readFileSync(join(guides, f), 'utf8');
      for (const m of text.matchAll(/\]\((\.{1,2}\/[^)#]+)(#[^)]*)?\)/g)) {
        expect(existsSync(resolve(guides, m[1] as string)), `${f} links to missing ${m[1]}`).toBe(true);
      }
    });
  }
});
