import { decodeNpy, encodeNpy } from '../npy.js';
import type { MedicalVideo } from '../types.js';
import type { ReadVideoOptions } from '../options.js';

/**
 * On-disk cache of decoded videos (Node only): each entry is a `.npy` with
 * the voxels and a `.json` with the rest of the {@link MedicalVideo}. Keys
 * hash the source path(s), their sizes and modification times and the read
 * options, so edited files are decoded again. Writes are atomic (temp file + rename).
 */
export class ClipCache {
  /** Cache folder. */
  readonly dir: string;
  /** Entries served from the cache. */
  hits = 0;
  /** Entries decoded and written. */
  misses = 0;
  private cleaned = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The cache key of a source. */
  async key(source: string | string[], options: ReadVideoOptions): Promise<string> {
    const fs = await import('node:fs/promises');
    const { createHash } = await import('node:crypto');
    const files = Array.isArray(source) ? source : [source];
    const stamp: unknown[] = [];
    for (const f of files) {
      const st = await fs.stat(f);
      if (st.isDirectory()) {
        const names = (await fs.readdir(f)).sort();
        const subs = await Promise.all(names.map(async (n) => {
          const s = await fs.stat(`${f}/${n}`);
          return [n, s.size, s.mtimeMs];
        }));
        stamp.push([f, subs]);
      } else stamp.push([f, st.size, st.mtimeMs]);
    }
    return createHash('sha256').update(JSON.stringify({ v: 1, stamp, options })).digest('hex').slice(0, 32);
  }

  /** The cached video of `key`, or undefined. */
  async get(key: string): Promise<MedicalVideo | undefined> {
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    try {
      const [meta, npy] = await Promise.all([fs.readFile(path.join(this.dir, `${key}.json`), 'utf8'), fs.readFile(path.join(this.dir, `${key}.npy`))]);
      const rest = JSON.parse(meta) as Omit<MedicalVideo, 'data'>;
      const arr = decodeNpy(new Uint8Array(npy.buffer, npy.byteOffset, npy.byteLength), key, Number.MAX_SAFE_INTEGER);
      this.hits++;
      return { ...rest, data: arr.data, dtype: rest.dtype };
    } catch {
      return undefined;
    }
  }

  /** Stores a decoded video under `key` (atomic writes; temps left by killed processes are removed first). */
  async put(key: string, video: MedicalVideo): Promise<void> {
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    const { removeStaleTemps, writeFileAtomic } = await import('@byolmed3d/util/node');
    await fs.mkdir(this.dir, { recursive: true });
    if (!this.cleaned) {
      removeStaleTemps(this.dir);
      this.cleaned = true;
    }
    const { data: _data, ...rest } = video;
    // The cache can be rebuilt, so no fsync; the .json goes last, as `get` needs both.
    await writeFileAtomic(path.join(this.dir, `${key}.npy`), encodeNpy(video, [1, 1, video.data.length]), { fsync: false });
    await writeFileAtomic(path.join(this.dir, `${key}.json`), JSON.stringify(rest), { fsync: false });
    this.misses++;
  }
}
