import sharp from 'sharp';
import {
  PROTOCOL_VERSION,
  type CameraStateMessage,
  type CameraStateName,
  type PreviewMessage,
  type ResultMessage,
} from '../protocol/messages.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { CameraRecord } from './camera-store.js';
import type { CameraSource } from './camera-url.js';
import { FfmpegSource, type FfmpegExit, type RawFrame } from './ffmpeg-source.js';
import { FrameError } from './frame-error.js';
import type { FrameMeta, GrayImage } from './frame-processor.js';
import { LatestFrameSlot } from './latest-frame-slot.js';
import type { StreamObserver } from './stream-observer.js';

/** Turns one frame into a result; the lead's FrameProcessor, one per camera (it owns the face tracks). */
export interface FrameAnalyzer {
  process(image: GrayImage, meta: FrameMeta): Promise<ResultMessage>;
}

export interface CameraTimings {
  /** A live camera with no frame for this long is stalled and its ffmpeg is restarted. */
  stallMs: number;
  /** A starting camera with no first frame after this long counts as a failed attempt. */
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  /** Consecutive failed attempts, without ever going live, after which the camera is `failed`. */
  maxFailures: number;
  /** SIGTERM-to-SIGKILL grace when stopping ffmpeg. */
  killGraceMs: number;
  /** Socket I/O timeout handed to ffmpeg for network sources. */
  ioTimeoutMs: number;
  /** Smallest gap between two JPEG previews of one camera. */
  previewIntervalMs: number;
}

export const DEFAULT_CAMERA_TIMINGS: CameraTimings = {
  stallMs: 10_000,
  connectTimeoutMs: 20_000,
  backoff: { baseMs: 1000, capMs: 30_000, floorMs: 250 },
  maxFailures: 5,
  killGraceMs: 2000,
  ioTimeoutMs: 10_000,
  previewIntervalMs: 1000,
};

/** Frame ids count every frame read from ffmpeg, so gaps in a subscriber's results are drops. */
interface NumberedFrame {
  frame: RawFrame;
  frameId: number;
}

/** A socket (or anything) that wants this camera's messages. */
export interface CameraSubscriber {
  /** Wants JPEG preview messages. */
  readonly preview: boolean;
  /** `droppable` messages (results, previews) may be skipped by a slow subscriber; state changes may not. */
  send(text: string, droppable: boolean): void;
  close(code: number, reason: string): void;
}

export interface CameraLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface CameraStats {
  state: CameraStateName;
  reason?: string;
  since: number;
  /** Frames read from ffmpeg. */
  frames: number;
  /** Frames with a result. */
  processed: number;
  /** Frames dropped: superseded while the pipeline was busy, or refused as overloaded. */
  dropped: number;
  /** Frames whose processing failed for another reason. */
  errors: number;
  /** ffmpeg starts after the first. */
  restarts: number;
  width?: number;
  height?: number;
  lastFrameTs?: number;
  subscribers: number;
}

export interface CameraRunnerOptions {
  ffmpegPath: string;
  timings: CameraTimings;
  log: CameraLogger;
  observer?: StreamObserver | undefined;
  /** Called on every start(): a fresh analyzer (and face tracks) for the camera's current settings. */
  createAnalyzer: (record: CameraRecord) => FrameAnalyzer;
}

/**
 * One camera at run time: its ffmpeg, its state (connecting, live, stalled, reconnecting, failed,
 * stopped), its frames through the shared pipeline, and its subscribers. Frames go through a
 * LatestFrameSlot, so ffmpeg is always read at its own pace and the newest frame waits while the
 * pipeline is busy; older waiting frames are dropped and counted.
 */
export class CameraRunner {
  readonly id: string;
  #record: CameraRecord;
  #source: CameraSource;
  readonly #options: CameraRunnerOptions;
  readonly #subscribers = new Set<CameraSubscriber>();
  readonly #slot: LatestFrameSlot<NumberedFrame>;
  #ffmpeg: FfmpegSource | null = null;
  #analyzer: FrameAnalyzer | null = null;
  #state: CameraStateName = 'stopped';
  #reason: string | undefined = 'not started';
  #since = Date.now();
  #failures = 0;
  #everLive = false;
  #started = 0;
  #killReason: string | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #watchTimer: NodeJS.Timeout | null = null;
  #attemptStartedAt = 0;
  #lastFrameAt = 0;
  #frames = 0;
  #processed = 0;
  #dropped = 0;
  #errors = 0;
  #size: { width: number; height: number } | null = null;
  #lastFrameTs: number | undefined;
  #lastPreviewAt = 0;
  #previewBusy = false;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(record: CameraRecord, source: CameraSource, options: CameraRunnerOptions) {
    this.id = record.id;
    this.#record = record;
    this.#source = source;
    this.#options = options;
    this.#slot = new LatestFrameSlot<NumberedFrame>(
      (frame) => this.#analyze(frame),
      () => {
        this.#dropped += 1;
        this.#options.observer?.frameDropped('camera', 'superseded');
      },
    );
  }

  get record(): CameraRecord {
    return this.#record;
  }

  get source(): CameraSource {
    return this.#source;
  }

  get state(): CameraStateName {
    return this.#state;
  }

  stats(): CameraStats {
    const stats: CameraStats = {
      state: this.#state,
      since: this.#since,
      frames: this.#frames,
      processed: this.#processed,
      dropped: this.#dropped,
      errors: this.#errors,
      restarts: Math.max(0, this.#started - 1),
      subscribers: this.#subscribers.size,
    };
    if (this.#reason !== undefined) stats.reason = this.#reason;
    if (this.#size) Object.assign(stats, this.#size);
    if (this.#lastFrameTs !== undefined) stats.lastFrameTs = this.#lastFrameTs;
    return stats;
  }

  stateMessage(): CameraStateMessage {
    const message: CameraStateMessage = {
      type: 'camera-state',
      v: PROTOCOL_VERSION,
      cameraId: this.id,
      state: this.#state,
      since: this.#since,
    };
    if (this.#reason !== undefined) message.reason = this.#reason;
    return message;
  }

  /** Starts (or restarts, after `failed` or a settings change) ingestion with a fresh failure count. */
  start(record: CameraRecord = this.#record, source: CameraSource = this.#source): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      if (this.#ffmpeg || this.#retryTimer) await this.#stopNow('restarting');
      this.#record = record;
      this.#source = source;
      this.#failures = 0;
      this.#everLive = false;
      this.#analyzer = this.#options.createAnalyzer(record);
      this.#spawn();
    });
  }

  /** Stops ffmpeg (SIGTERM, then SIGKILL), waits for it to be reaped and for in-flight frames to finish. */
  stop(reason: string): Promise<void> {
    return this.#serial(() => this.#stopNow(reason));
  }

  /** Stops for good: ffmpeg reaped, in-flight work drained, subscribers closed with `closeReason`. */
  close(closeCode: number, closeReason: string): Promise<void> {
    return this.#serial(async () => {
      this.#closed = true;
      await this.#stopNow(closeReason);
      this.#slot.close();
      this.#closeSubscribers(closeCode, closeReason);
    });
  }

  /** Runs start/stop/close one at a time, so two quick requests can never leave two ffmpegs behind. */
  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(task);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #closeSubscribers(code: number, reason: string): void {
    for (const subscriber of this.#subscribers) subscriber.close(code, reason);
    this.#subscribers.clear();
  }

  /** Replaces the settings without restarting (a new name, or a camera being disabled). */
  setRecord(record: CameraRecord, source: CameraSource): void {
    this.#record = record;
    this.#source = source;
  }

  /** Marks the camera failed without starting it (its stored address no longer validates). */
  fail(reason: string): void {
    this.#setState('failed', reason);
  }

  /** Adds a subscriber and sends it the current state; returns the function that removes it. */
  subscribe(subscriber: CameraSubscriber): () => void {
    this.#subscribers.add(subscriber);
    subscriber.send(JSON.stringify(this.stateMessage()), false);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  async #stopNow(reason: string): Promise<void> {
    this.#clearTimers();
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = null;
    if (ffmpeg) await ffmpeg.stop(this.#options.timings.killGraceMs);
    await this.#slot.idle();
    if (this.#state !== 'stopped' || this.#reason !== reason) this.#setState('stopped', reason);
  }

  #spawn(): void {
    this.#clearTimers();
    this.#setState('connecting', this.#failures > 0 ? `attempt ${this.#failures + 1}` : undefined);
    this.#started += 1;
    this.#attemptStartedAt = Date.now();
    this.#killReason = null;
    const ffmpeg: FfmpegSource = new FfmpegSource(
      {
        ffmpegPath: this.#options.ffmpegPath,
        source: this.#source,
        fps: this.#record.targetFps,
        width: this.#record.frameWidth,
        ioTimeoutMs: this.#options.timings.ioTimeoutMs,
      },
      {
        onFrame: (frame) => {
          if (this.#ffmpeg === ffmpeg) this.#onFrame(frame);
        },
        onExit: (exit) => {
          if (this.#ffmpeg === ffmpeg) this.#onExit(exit);
        },
      },
    );
    this.#ffmpeg = ffmpeg;
    const tick = Math.max(50, Math.min(1000, this.#options.timings.stallMs / 4));
    this.#watchTimer = setInterval(() => this.#watch(), tick);
    this.#watchTimer.unref();
  }

  #onFrame(frame: RawFrame): void {
    this.#lastFrameAt = Date.now();
    this.#lastFrameTs = frame.receivedTs;
    this.#frames += 1;
    const frameId = this.#frames;
    if (this.#size?.width !== frame.width || this.#size.height !== frame.height) this.#size = { width: frame.width, height: frame.height };
    if (this.#state !== 'live') {
      this.#failures = 0;
      this.#everLive = true;
      this.#setState('live', undefined);
    }
    this.#options.observer?.frameReceived('camera');
    this.#maybePreview(frame, frameId);
    this.#slot.offer({ frame, frameId });
  }

  #onExit(exit: FfmpegExit): void {
    this.#ffmpeg = null;
    this.#clearTimers();
    const reason = this.#killReason ?? exit.reason;
    this.#killReason = null;
    this.#options.log.debug({ cameraId: this.id, code: exit.code, signal: exit.signal, frames: exit.frames }, 'ffmpeg exited');
    if (exit.fatal) {
      this.#setState('failed', reason);
      return;
    }
    this.#failures += 1;
    const { maxFailures, backoff } = this.#options.timings;
    if (!this.#everLive && this.#failures >= maxFailures) {
      this.#setState('failed', `${reason} (gave up after ${this.#failures} attempts without a frame)`);
      return;
    }
    const delay = Math.round(backoffDelay(this.#failures, backoff));
    this.#setState('reconnecting', `${reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#spawn();
    }, delay);
    this.#retryTimer.unref();
  }

  #watch(): void {
    const ffmpeg = this.#ffmpeg;
    if (!ffmpeg || this.#killReason !== null) return;
    const now = Date.now();
    const { stallMs, connectTimeoutMs, killGraceMs } = this.#options.timings;
    if (this.#state === 'live' && now - this.#lastFrameAt > stallMs) {
      const reason = `no frame for ${((now - this.#lastFrameAt) / 1000).toFixed(1)} s`;
      this.#setState('stalled', reason);
      this.#killReason = `stalled: ${reason}`;
    } else if (this.#state === 'connecting' && now - this.#attemptStartedAt > connectTimeoutMs) {
      const tail = ffmpeg.stderrTail().at(-1);
      this.#killReason = `no frame within ${(connectTimeoutMs / 1000).toFixed(1)} s${tail ? ` (ffmpeg: ${tail.trim()})` : ''}`;
    } else {
      return;
    }
    // The exit handler sees #killReason and schedules the reconnect.
    void ffmpeg.stop(killGraceMs);
  }

  async #analyze({ frame, frameId }: NumberedFrame): Promise<void> {
    const meta: FrameMeta = {
      frameId,
      captureTs: frame.receivedTs,
      receivedTs: frame.receivedTs,
      decodeMs: 0,
      droppedTotal: this.#dropped,
      cameraId: this.id,
    };
    try {
      const analyzer = this.#analyzer;
      if (!analyzer) return;
      const result = await analyzer.process({ data: frame.data, width: frame.width, height: frame.height }, meta);
      this.#processed += 1;
      this.#options.observer?.frameProcessed('camera', result.timings, result.faces.length);
      if (this.#subscribers.size > 0) this.#broadcast(JSON.stringify(result), true);
    } catch (error) {
      const code = error instanceof FrameError ? error.code : 'INTERNAL';
      this.#options.observer?.frameFailed('camera', code);
      if (code === 'OVERLOADED') {
        this.#dropped += 1;
        this.#options.observer?.frameDropped('camera', 'overloaded');
      } else {
        this.#errors += 1;
        this.#options.log.debug({ cameraId: this.id, err: error }, 'camera frame failed');
      }
    }
  }

  #wantsPreview(): boolean {
    for (const subscriber of this.#subscribers) if (subscriber.preview) return true;
    return false;
  }

  #maybePreview(frame: RawFrame, frameId: number): void {
    const now = Date.now();
    if (this.#previewBusy || now - this.#lastPreviewAt < this.#options.timings.previewIntervalMs) return;
    if (!this.#wantsPreview()) return;
    this.#previewBusy = true;
    this.#lastPreviewAt = now;
    // The pipeline takes ownership of frame.data (it may move it to a worker), so encode a copy.
    const pixels = frame.data.slice();
    sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 1 } })
      .jpeg({ quality: 70 })
      .toBuffer()
      .then((jpeg) => {
        const message: PreviewMessage = {
          type: 'preview',
          v: PROTOCOL_VERSION,
          cameraId: this.id,
          frameId,
          jpeg: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
        };
        const text = JSON.stringify(message);
        for (const subscriber of this.#subscribers) if (subscriber.preview) subscriber.send(text, true);
      })
      .catch((error: unknown) => this.#options.log.debug({ cameraId: this.id, err: error }, 'preview encoding failed'))
      .finally(() => {
        this.#previewBusy = false;
      });
  }

  #setState(state: CameraStateName, reason: string | undefined): void {
    const changed = state !== this.#state;
    this.#state = state;
    this.#reason = reason;
    if (changed) this.#since = Date.now();
    const level = state === 'failed' || state === 'stalled' || state === 'reconnecting' ? 'warn' : 'info';
    this.#options.log[level]({ cameraId: this.id, state, reason }, 'camera state');
    this.#broadcast(JSON.stringify(this.stateMessage()), false);
  }

  #broadcast(text: string, droppable: boolean): void {
    for (const subscriber of this.#subscribers) subscriber.send(text, droppable);
  }

  #clearTimers(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#watchTimer) clearInterval(this.#watchTimer);
    this.#retryTimer = null;
    this.#watchTimer = null;
  }
}
