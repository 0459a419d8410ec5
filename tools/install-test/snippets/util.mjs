import { Random, sha256Hex, UtilError } from '@byolmed3d/util';
import { readJsonFileSync, writeFileAtomicSync } from '@byolmed3d/util/node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const a = new Random(7);
const b = new Random(7);
if (a.int(0, 100) !== b.int(0, 100)) throw new Error('Random is not reproducible');
if (sha256Hex('abc') !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') throw new Error('sha256');
try {
  new Random(1.5);
  throw new Error('no error for a non-integer seed');
} catch (e) {
  if (!(e instanceof UtilError)) throw e;
}
const p = join(mkdtempSync(join(tmpdir(), 'util-')), 'x.json');
writeFileAtomicSync(p, '{"ok":1}');
if (readJsonFileSync(p).ok !== 1) throw new Error('round trip');
console.log('ok');
