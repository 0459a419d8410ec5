#!/usr/bin/env node
// Scaffolds packages/<name> with the house layout: package.json (exports with
// types, sideEffects, ESM), tsconfig for build and typecheck, vitest config,
// typedoc entry, README. Usage: node tools/new-package.mjs NAME "description" [--no-tf]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...flags] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: node tools/new-package.mjs NAME "description" [--no-tf]');
  process.exit(2);
}
const usesTf = !flags.includes('--no-tf');
const dir = join('packages', name);
if (existsSync(dir)) {
  console.error(`${dir} exists`);
  process.exit(1);
}
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
const pkg = {
  name: `@byolmed3d/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  repository: { type: 'git', url: 'git+https://github.com/byolmed3d/byolmed3d.git', directory: dir },
  keywords: ['byolmed3d', 'medical-imaging', 'self-supervised', 'tensorflowjs'],
  exports: {
    '.': {
      '@byolmed3d/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'src', '!**/*.test.ts'],
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    lint: 'eslint --max-warnings 0 src test',
    test: 'vitest run',
    'check-package': 'publint --strict && attw --pack . --profile esm-only',
  },
  ...(usesTf
    ? {
        peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0' },
        devDependencies: { '@tensorflow/tfjs-core': '4.22.0' },
      }
    : {}),
  publishConfig: { access: 'public' },
};
const w = (p, s) => writeFileSync(join(dir, p), s);
w('package.json', JSON.stringify(pkg, null, 2) + '\n');
w(
  'tsconfig.build.json',
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo', incremental: true },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
    },
    null,
    2,
  ) + '\n',
);
w(
  'tsconfig.json',
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, customConditions: ['@byolmed3d/source'], allowImportingTsExtensions: true },
      include: ['src', 'test', 'bench', 'vitest.config.ts'],
    },
    null,
    2,
  ) + '\n',
);
w(
  'vitest.config.ts',
  `import { mergeConfig } from 'vitest/config';\nimport { sharedConfig } from '../../vitest.shared.js';\n\nexport default mergeConfig(sharedConfig, {});\n`,
);
w('typedoc.json', JSON.stringify({ extends: ['../../typedoc.base.json'], entryPoints: ['src/index.ts'], tsconfig: 'tsconfig.build.json', readme: 'README.md' }, null, 2) + '\n');
w('README.md', `# @byolmed3d/${name}\n\n${description}\n\n\`\`\`sh\nnpm install @byolmed3d/${name}${usesTf ? ' @tensorflow/tfjs-core' : ''}\n\`\`\`\n`);
console.log(`created ${dir}`);
