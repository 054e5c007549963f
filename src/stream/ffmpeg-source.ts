import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { redactCredentials, type CameraSource } from './camera-url.js';

export interface FfmpegSourceOptions {
  ffmpegPath: string;
  source: CameraSource;
  /** Frames per second ffmpeg emits (its fps filter drops the rest before they reach us). */
  fps: number;
  /** Largest output width in pixels (smaller sources are not upscaled); the height keeps the aspect ratio. */
  width: number;
  /** Network read/connect timeout, ms: ffmpeg gives up on a silent socket after this. */
  ioTimeoutMs: number;
  /** Lines of ffmpeg's stderr kept for error reasons. */
  stderrLines?: number;
}

export interface RawFrame {
  /** Grey pixels, row-major, width * height bytes; a fresh buffer per frame, owned by the receiver. */
  data: Uint8Array;
  width: number;
  height: number;
  /** When the frame's last byte arrived, ms since the epoch (raw video carries no wall clock). */
  receivedTs: number;
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it ended, from ffmpeg's own last words, credentials redacted. */
  reason: string;
  /** True when retrying cannot help: authentication refused, unsupported source, no video, missing binary. */
  fatal: boolean;
  frames: number;
  /** True when stop() asked for this exit. */
  requested: boolean;
}

export interface FfmpegSourceHandlers {
  onFrame(frame: RawFrame): void;
  onExit(exit: FfmpegExit): void;
}

const MAX_BYTES_BEFORE_SIZE = 16 * 1024 * 1024;

const FATAL_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b401\b|\b403\b|unauthori[sz]ed|authori[sz]ation failed|forbidden/i, 'authentication refused'],
  [/protocol not found|unsupported protocol/i, 'unsupported protocol'],
  [/invalid data found when processing input/i, 'unsupported or corrupt source'],
  [/does not contain any stream|matches no streams|no video stream/i, 'source has no video'],
  [/no such file or directory/i, 'file not found'],
  [/decoder .* not found|unknown decoder/i, 'unsupported codec'],
];

/** Protocols each source kind may open: a playlist or SDP cannot make ffmpeg read local files or other hosts' protocols. */
const PROTOCOLS: Record<CameraSource['kind'], string> = {
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  http: 'http,https,tcp,tls,crypto',
  file: 'file',
};

/** Decoder and filter chatter (concealment, broken slices) that says nothing about why a source went away. */
const CODEC_CHATTER = /^\[(h264|hevc|h265|mpeg4|mjpeg|mpeg[12]video|h263|vp[89]|av1|aac\w*|mp3\w*|opus|pcm_\w+|swscaler|Parsed_\w+|graph[^\]]*) @ 0x[0-9a-f]+\]/i;

const NOISE = /^(exiting normally|received signal|press \[q\]|conversion failed|metadata:|encoder\s*:|frame=|video:\d|(input|output) #|stream #|stream mapping|duration:)/i;

/**
 * Finds the ffmpeg binary: the configured path, else `ffmpeg` on PATH, else the one bundled by
 * `@ffmpeg-installer/ffmpeg`. Throws when none exists.
 */
export function resolveFfmpegPath(configured: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured !== '') return configured;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'ffmpeg');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  try {
    const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string };
    return installer.path;
  } catch {
    throw new Error('ffmpeg not found: install it on PATH, set FFMPEG_PATH, or install @ffmpeg-installer/ffmpeg');
  }
}

/** ffmpeg's command line for one camera: low-latency input, fps + scale + grey, raw frames on stdout. */
export function ffmpegArgs(options: FfmpegSourceOptions): string[] {
  const { source } = options;
  const timeoutUs = String(Math.round(options.ioTimeoutMs * 1000));
  const input: string[] = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-protocol_whitelist', PROTOCOLS[source.kind]];
  if (source.kind === 'rtsp') {
    input.push('-rtsp_transport', 'tcp', '-timeout', timeoutUs);
  } else if (source.kind === 'http') {
    input.push('-rw_timeout', timeoutUs);
  } else {
    // A file paced at its native rate, looped forever, behaves like a live camera.
    input.push('-re', '-stream_loop', '-1');
  }
  if (source.kind !== 'file') {
    input.push('-fflags', 'nobuffer', '-flags', 'low_delay', '-probesize', '500000', '-analyzeduration', '1000000');
  }
  const width = Math.max(16, Math.round(options.width / 2) * 2);
  // Quoted so the filtergraph parser keeps min()'s comma; even sizes keep every scaler happy.
  const scale = `scale='trunc(min(${width},iw)/2)*2':-2:flags=area`;
  return [
    ...input,
    '-i', source.kind === 'file' ? `file:${source.url}` : source.url,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `fps=${options.fps},${scale},format=gray`,
    '-f', 'rawvideo', 'pipe:1',
  ];
}

/** Picks the reason an ffmpeg run ended from its last stderr lines. */
export function exitReason(lines: readonly string[], code: number | null, signal: NodeJS.Signals | null): { reason: string; fatal: boolean } {
  const meaningful = lines.filter((line) => line.trim() !== '' && !/^\s/.test(line) && !NOISE.test(line) && !CODEC_CHATTER.test(line));
  const text = meaningful.slice(-4).join('\n');
  for (const [pattern, label] of FATAL_PATTERNS) {
    if (pattern.test(text)) return { reason: `${label}: ${lastLine(meaningful)}`, fatal: true };
  }
  const last = lastLine(meaningful);
  if (last !== '') return { reason: last, fatal: false };
  if (signal) return { reason: `ffmpeg killed by ${signal}`, fatal: false };
  return { reason: `stream ended (ffmpeg exited with code ${code})`, fatal: false };
}

function lastLine(lines: readonly string[]): string {
  return (lines[lines.length - 1] ?? '').replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '').trim();
}

/**
 * One long-running ffmpeg that turns a camera or a file into grey frames of one fixed size. Frames are
 * cut from stdout at exact frame-size boundaries; the output size comes from ffmpeg's own report of its
 * output stream. stderr is kept in a small ring (credentials redacted) for error reasons.
 */
export class FfmpegSource {
  readonly #options: FfmpegSourceOptions;
  readonly #handlers: FfmpegSourceHandlers;
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #stderr: string[] = [];
  readonly #stderrMax: number;
  #stderrPartial = '';
  #sawOutput = false;
  #width = 0;
  #height = 0;
  #frame: Uint8Array | null = null;
  #filled = 0;
  #early: Buffer[] = [];
  #earlyBytes = 0;
  #frames = 0;
  #stopRequested = false;
  #failure: string | null = null;
  readonly #closed: Promise<void>;

  constructor(options: FfmpegSourceOptions, handlers: FfmpegSourceHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#stderrMax = options.stderrLines ?? 24;
    this.#child = spawn(options.ffmpegPath, ffmpegArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (text: string) => this.#onStderr(text));
    this.#closed = new Promise((resolve) => {
      this.#child.on('error', (error: NodeJS.ErrnoException) => {
        this.#failure = error.code === 'ENOENT' ? `ffmpeg not found at ${options.ffmpegPath}` : `cannot run ffmpeg: ${error.message}`;
        // 'close' still follows for a spawned child; for a failed spawn it follows as well (Node >= 16).
      });
      this.#child.on('close', (code, signal) => {
        this.#finish(code, signal);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get frames(): number {
    return this.#frames;
  }

  /** Size of the frames, once ffmpeg has reported it. */
  get size(): { width: number; height: number } | null {
    return this.#width > 0 ? { width: this.#width, height: this.#height } : null;
  }

  /** The last stderr lines, credentials redacted. */
  stderrTail(): string[] {
    return [...this.#stderr];
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is reaped and its pipes are closed. */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopRequested = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
      timer.unref();
      await this.#closed;
      clearTimeout(timer);
    }
    await this.#closed;
  }

  #onStdout(chunk: Buffer): void {
    if (this.#stopRequested) return;
    if (this.#width === 0) {
      this.#early.push(chunk);
      this.#earlyBytes += chunk.length;
      if (this.#earlyBytes > MAX_BYTES_BEFORE_SIZE) {
        this.#failure = 'ffmpeg did not report its output frame size';
        this.#child.kill('SIGKILL');
      }
      return;
    }
    const frameBytes = this.#width * this.#height;
    let offset = 0;
    while (offset < chunk.length) {
      this.#frame ??= new Uint8Array(frameBytes);
      const count = Math.min(frameBytes - this.#filled, chunk.length - offset);
      this.#frame.set(chunk.subarray(offset, offset + count), this.#filled);
      this.#filled += count;
      offset += count;
      if (this.#filled === frameBytes) {
        const data = this.#frame;
        this.#frame = null;
        this.#filled = 0;
        this.#frames += 1;
        this.#handlers.onFrame({ data, width: this.#width, height: this.#height, receivedTs: Date.now() });
        if (this.#stopRequested) return;
      }
    }
  }

  #onStderr(text: string): void {
    const parts = (this.#stderrPartial + text).split(/\r\n|\r|\n/);
    this.#stderrPartial = parts.pop() ?? '';
    if (this.#stderrPartial.length > 4096) this.#stderrPartial = this.#stderrPartial.slice(-4096);
    for (const line of parts) this.#onStderrLine(line);
  }

  #onStderrLine(raw: string): void {
    const line = redactCredentials(raw).slice(0, 500);
    if (line.trim() === '') return;
    this.#stderr.push(line);
    if (this.#stderr.length > this.#stderrMax) this.#stderr.shift();
    if (this.#width !== 0) return;
    if (/^Output #0/.test(line)) this.#sawOutput = true;
    const size = this.#sawOutput && /Video: rawvideo/.test(line) ? /,\s(\d{1,5})x(\d{1,5})[\s,[]/.exec(line) : null;
    if (size) {
      this.#width = Number(size[1]);
      this.#height = Number(size[2]);
      const early = this.#early;
      this.#early = [];
      this.#earlyBytes = 0;
      for (const chunk of early) this.#onStdout(chunk);
    }
  }

  #finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stderrPartial !== '') this.#onStderrLine(this.#stderrPartial);
    this.#stderrPartial = '';
    const { reason, fatal } = this.#failure !== null
      ? { reason: this.#failure, fatal: this.#failure.startsWith('ffmpeg not found') }
      : exitReason(this.#stderr, code, signal);
    this.#handlers.onExit({ code, signal, reason, fatal, frames: this.#frames, requested: this.#stopRequested });
  }
}
