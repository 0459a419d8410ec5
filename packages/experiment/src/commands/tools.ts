import * as vio from '@byolmed3d/video-io';
import { describeStateDict, readSafetensors, readTorchCheckpoint, writeSafetensors } from '@byolmed3d/resnet3d';
import type { Command } from '../cli.js';

const inspect: Command = {
  name: 'inspect',
  summary: 'Describe a medical video/volume file.',
  run: async (argv) => {
    const json = argv.includes('--json');
    const paths = argv.filter((a) => !a.startsWith('--'));
    if (paths.length === 0 || argv.includes('--help')) {
      console.log('Usage: byolmed3d inspect PATH... [--json]');
      return paths.length === 0 && !argv.includes('--help') ? 2 : 0;
    }
    let code = 0;
    for (const p of paths) {
      try {
        const d = vio.describeVideo(await vio.readVideo(p));
        console.log(json ? JSON.stringify(d) : vio.formatDescription(d));
      } catch (err) {
        console.error(`byolmed3d inspect: ${(err as Error).message}`);
        code = 1;
      }
    }
    return code;
  },
};

async function readWeights(file: string): Promise<Awaited<ReturnType<typeof readSafetensors>>> {
  return file.endsWith('.safetensors') ? readSafetensors(file) : readTorchCheckpoint(file);
}

const weights: Command = {
  name: 'weights',
  summary: 'Convert or inspect weights.',
  run: async (argv) => {
    const [sub, ...rest] = argv;
    const json = rest.includes('--json');
    const files = rest.filter((a) => !a.startsWith('--'));
    if (sub === 'convert' && files.length === 2) {
      const [inp, out] = files as [string, string];
      const entries = await readWeights(inp);
      await writeSafetensors(out, entries);
      console.log(`wrote ${out}: ${Object.keys(entries).length} tensors`);
      return 0;
    }
    if (sub === 'inspect' && files.length === 1) {
      const s = describeStateDict(await readWeights(files[0] as string));
      if (json) console.log(JSON.stringify({ parameterCount: s.parameterCount, bufferCount: s.bufferCount, dtypes: s.dtypes, tensors: s.tensors }));
      else console.log(s.text);
      return 0;
    }
    console.error('Usage: byolmed3d weights convert IN.pth OUT.safetensors | byolmed3d weights inspect FILE [--json]');
    return 2;
  },
};

/** The file tools (loaded lazily by the CLI). */
export const commands: Command[] = [inspect, weights];
