import { VideoReadError } from './errors.js';
import type { MedicalVideo } from './types.js';
import type { FfmpegPixelFormat } from './options.js';

/** Raised when a program the reader needs (ffmpeg, ffprobe) is not installed. */
export class MissingProgramError extends VideoReadError {
  /** The program that could not be started, e.g. `'ffmpeg'`. */
  readonly program: string;

  constructor(file: string, program: string, options?: { cause?: unknown }) {
    super(file, 'video', `the program '${program}' is not installed or not on PATH (needed to decode video files; install ffmpeg or pass ffmpegPath)`, options);
    this.program = program;
  }
}

/** Options of {@link readVideoFile}. */
export interface FfmpegOptions {
  /** ffmpeg program. Default `'ffmpeg'`. */
  ffmpegPath?: string;
  /** ffprobe program. Default: `ffprobe` beside `ffmpegPath`. */
  ffprobePath?: string;
  /** Output pixel format. Default `'gray'`. */
  pixelFormat?: FfmpegPixelFormat;
  /** Read at most this many frames. Default: all. */
  maxFrames?: number;
  /** Kill the child after this many milliseconds. Default `120000`. */
  timeoutMs?: number;
  /** Largest decoded size in bytes. */
  maxBytes: number;
}

interface RunResult {
  stdout: Uint8Array;
  stderr: string;
  code: number | null;
}

async function run(file: string, program: string, args: string[], timeoutMs: number, maxStdout: number): Promise<RunResult> {
  const { spawn } = await import('node:child_process');
  return new Promise<RunResult>((resolve, reject) => {
    let child: import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>;
    try {
      child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new MissingProgramError(file, program, { cause: e }));
      return;
    }
    const out: Uint8Array[] = [];
    let outLen = 0;
    let err = '';
    let failed: VideoReadError | undefined;
    const timer = setTimeout(() => {
      failed = new VideoReadError(file, 'video', `${program} did not finish within ${timeoutMs} ms`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      outLen += c.length;
      if (outLen > maxStdout) {
        failed ??= new VideoReadError(file, 'video', `decoded video exceeds maxBytes=${maxStdout}`);
        child.kill('SIGKILL');
        return;
      }
      out.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 8192) err += c.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') reject(new MissingProgramError(file, program, { cause: e }));
      else reject(new VideoReadError(file, 'video', `cannot run ${program}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) {
        reject(failed);
        return;
      }
      const stdout = new Uint8Array(outLen);
      let o = 0;
      for (const c of out) {
        stdout.set(c, o);
        o += c.length;
      }
      resolve({ stdout, stderr: err, code });
    });
  });
}

function parseRate(r: unknown): number | undefined {
  if (typeof r !== 'string') return undefined;
  const [a, b] = r.split('/').map(Number);
  if (a === undefined || !Number.isFinite(a) || a <= 0) return undefined;
  const den = b === undefined ? 1 : b;
  return den > 0 ? a / den : undefined;
}

/**
 * Decodes a video file with the system `ffmpeg` (raw frames over a pipe) into
 * `[T, H, W, C]` uint8 (`gray`: C=1, `rgb24`: C=3) or uint16 (`gray16le`).
 * Frame size and rate come from `ffprobe`. Node only.
 */
export async function readVideoFile(path: string, options: FfmpegOptions): Promise<MedicalVideo> {
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const ffprobe = options.ffprobePath ?? (ffmpeg.includes('/') ? ffmpeg.replace(/ffmpeg([^/]*)$/, 'ffprobe$1') : 'ffprobe');
  const timeout = options.timeoutMs ?? 120_000;
  const probe = await run(path, ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,codec_name,pix_fmt,duration', '-of', 'json', path], timeout, 1 << 20);
  if (probe.code !== 0) throw new VideoReadError(path, 'video', `ffprobe failed: ${probe.stderr.trim().split('\n').slice(-2).join(' ') || `exit code ${probe.code}`}`);
  let stream: Record<string, unknown> | undefined;
  try {
    stream = (JSON.parse(new TextDecoder().decode(probe.stdout)) as { streams?: Record<string, unknown>[] }).streams?.[0];
  } catch {
    stream = undefined;
  }
  if (!stream) throw new VideoReadError(path, 'video', 'no video stream');
  const width = Number(stream.width);
  const height = Number(stream.height);
  if (!(width > 0 && height > 0)) throw new VideoReadError(path, 'video', `bad frame size ${String(stream.width)}x${String(stream.height)}`);
  const pix = options.pixelFormat ?? 'gray';
  const channels = pix === 'rgb24' ? 3 : 1;
  const bytesPer = pix === 'gray16le' ? 2 : 1;
  const frameBytes = width * height * channels * bytesPer;
  const args = ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0'];
  if (options.maxFrames !== undefined) args.push('-frames:v', String(Math.max(1, Math.floor(options.maxFrames))));
  args.push('-f', 'rawvideo', '-pix_fmt', pix, 'pipe:1');
  const r = await run(path, ffmpeg, args, timeout, options.maxBytes);
  if (r.code !== 0) throw new VideoReadError(path, 'video', `ffmpeg failed: ${r.stderr.trim().split('\n').slice(-2).join(' ') || `exit code ${r.code}`}`);
  const frames = Math.floor(r.stdout.length / frameBytes);
  if (frames < 1) throw new VideoReadError(path, 'video', 'ffmpeg decoded no frames');
  const raw = r.stdout.subarray(0, frames * frameBytes);
  const data = pix === 'gray16le' ? new Uint16Array(raw.slice().buffer) : raw;
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  const video: MedicalVideo = {
    data,
    shape: [frames, height, width, channels],
    dtype: pix === 'gray16le' ? 'uint16' : 'uint8',
    format: 'video',
    meta: { source: path, codec: stream.codec_name, sourcePixelFormat: stream.pix_fmt, pixelFormat: pix, fps },
  };
  if (fps !== undefined) video.frameTime = 1000 / fps;
  return video;
}

/** Writes bytes to a temporary file, runs `fn` on its path, and removes it. Node only. */
export async function withTempFile<T>(bytes: Uint8Array, suffix: string, fn: (path: string) => Promise<T>): Promise<T> {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'video-io-'));
  const file = path.join(dir, `input${suffix}`);
  try {
    await fs.writeFile(file, bytes);
    return await fn(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
