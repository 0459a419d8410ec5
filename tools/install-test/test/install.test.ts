// Packs every published @byolmed3d package, installs each tarball ALONE in a
// fresh folder outside the workspace (with only its declared dependencies and
// peers from the registry, siblings from their own tarballs), then imports it
// from ESM and type-checks a TypeScript consumer against it. Packages that
// bring @byolmed3d/tfjs-onednn (itself, and experiment as an optional
// dependency) must install whether or not oneDNN is present, print the build
// script's one line, and offer the build command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The oneDNN search is a build script of tfjs-onednn, not one of its exports, so it is imported by path.
// eslint-disable-next-line no-restricted-imports
import { findOneDnn } from '../../../packages/tfjs-onednn/scripts/find-onednn.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const snippets = resolve(here, '..', 'snippets');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface Pkg {
  name: string;
  dir: string;
  json: { name: string; private?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
}

const pkgs: Pkg[] = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((dir) => {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg['json'];
    return { name: json.name, dir, json };
  })
  .filter((p) => !p.json.private);

/** Whether this machine has oneDNN (CI also runs this test with it hidden: then every install must skip the addon and say so). */
const oneDnnHere = findOneDnn({
  pkgConfig: (args) => {
    const r = spawnSync('pkg-config', args, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout : undefined;
  },
}).found;

const tarballs = new Map<string, string>();
let work = '';

/** The environment without npm's workspace settings (set when run through `npm run -w`). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_config_workspace/i.test(k)) delete env[k];
  return env;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

/** Sibling packages needed by `name`, transitively (runtime and optional dependencies). */
function siblingClosure(name: string, seen = new Set<string>()): Set<string> {
  const p = pkgs.find((q) => q.name === name);
  if (!p || seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys({ ...p.json.dependencies, ...p.json.optionalDependencies })) if (dep.startsWith('@byolmed3d/')) siblingClosure(dep, seen);
  return seen;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'byolmed3d-install-'));
  for (const p of pkgs) {
    const out = run('npm', ['pack', '--silent', '--pack-destination', work], p.dir).trim().split('\n');
    const file = out[out.length - 1] as string;
    tarballs.set(p.name, join(work, file));
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('each package installs alone from its tarball', () => {
  for (const p of pkgs) {
    const short = p.name.replace('@byolmed3d/', '');
    it(`${p.name}: npm install, import from ESM, type-check from TypeScript`, () => {
      const dir = mkdtempSync(join(work, `${short}-`));
      const deps: Record<string, string> = {};
      for (const s of siblingClosure(p.name)) deps[s] = `file:${tarballs.get(s)}`;
      // Required peers (optional ones, like tfjs-node, stay out), plus a backend for the snippet.
      for (const [peer, range] of Object.entries(p.json.peerDependencies ?? {})) {
        if (!p.json.peerDependenciesMeta?.[peer]?.optional) deps[peer] = range;
      }
      if (deps['@tensorflow/tfjs-core']) deps['@tensorflow/tfjs-backend-cpu'] = deps['@tensorflow/tfjs-core'];
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: deps }, null, 2));
      // Foreground scripts: tfjs-onednn's install script then shows its one line (built, or what was skipped and how to get it).
      const withOneDnn = deps['@byolmed3d/tfjs-onednn'] !== undefined;
      const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...(withOneDnn ? ['--foreground-scripts'] : [])], dir);
      if (withOneDnn) {
        const line = install.split('\n').find((l) => l.startsWith('tfjs-onednn: '));
        expect(line, `no tfjs-onednn line in the install output:\n${install}`).toBeDefined();
        if (!oneDnnHere) expect(line).toMatch(/^tfjs-onednn: native addon not built: oneDNN not found \(no dnnl\.hpp\); .*To get the oneDNN kernels: .*apt-get install libdnnl-dev.*npx tfjs-onednn-build/);
        // The documented build command exists in the consumer and never fails the shell.
        expect(run('npx', ['--no', 'tfjs-onednn-build'], dir)).toMatch(/^tfjs-onednn: (addon|native addon not built)/m);
      }
      if (p.name === '@byolmed3d/experiment') {
        const first = run('npx', ['--no', 'byolmed3d', 'backend'], dir).split('\n')[0] as string;
        expect(first).toMatch(/^backend: /);
        if (!oneDnnHere) expect(first).toMatch(/onednn: .*to get them: .*npx byolmed3d backend --build$/);
      }

      const mjs = join(snippets, `${short}.mjs`);
      const ts = join(snippets, `${short}.ts`);
      expect(existsSync(mjs), `missing snippet ${mjs}`).toBe(true);
      expect(existsSync(ts), `missing snippet ${ts}`).toBe(true);
      copyFileSync(mjs, join(dir, 'snippet.mjs'));
      const out = run(process.execPath, ['snippet.mjs'], dir);
      expect(out).toContain('ok');

      copyFileSync(ts, join(dir, 'snippet.ts'));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['ES2022', 'DOM'] },
          files: ['snippet.ts'],
        }),
      );
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
    });
  }
});
