import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendChoice } from './backend/select.js';

/** One sub-command of the `byolmed3d` CLI. */
export interface Command {
  /** Name typed after `byolmed3d`. */
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run: (argv: string[]) => Promise<number>;
}

const backendCommand: Command = {
  name: 'backend',
  summary: 'Show which tfjs backend would be used (tfjs-node-gpu, tfjs-node, oneDNN, cpu, wasm).',
  run: async (argv) => {
    const { values } = parseArgs({ args: argv, options: { backend: { type: 'string', default: 'auto' } } });
    const sel = await selectBackend({ backend: values.backend as BackendChoice });
    console.log(sel.message);
    return 0;
  },
};

/** Every registered command, in `--help` order. */
export const commands: Command[] = [backendCommand];

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: byolmed3d <command> [options]',
    '',
    'Self-supervised learning on medical videos (BYOLMed3D).',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    '  --backend NAME  auto | tensorflow-gpu | tensorflow | onednn | cpu | wasm (default auto)',
    '  --help, -h      Show help (also `byolmed3d <command> --help`)',
    '  --version       Print the version',
  ].join('\n');
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(usage());
    return 0;
  }
  if (first === '--version') {
    console.log(version());
    return 0;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) {
    console.error(`byolmed3d: unknown command '${first}'\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest);
}
