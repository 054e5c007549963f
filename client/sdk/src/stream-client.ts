import {
  encodeFrame,
  type DroppedMessage,
  type ErrorMessage,
  type HelloMessage,
  type ResultMessage,
  type ServerMessage,
  type StreamLimits,
} from '../../../src/protocol/index.js';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection.js';
import { Emitter } from './emitter.js';
import { FaceStreamError } from './errors.js';
import { FrameEncoder, type EncodeOptions, type FrameInput, type FramePayload } from './frame-input.js';

export interface StreamClientOptions extends ConnectionOptions {
  /** How drawables (video, canvas, ImageBitmap) are encoded. */
  encode?: EncodeOptions;
  /** An in-flight frame with no answer after this long is forgotten, freeing its slot (default 10 000 ms). */
  answerTimeoutMs?: number;
}

export interface StreamStats {
  /** Frames handed to the socket. */
  sent: number;
  /** Results received. */
  results: number;
  /** Frames replaced locally by a newer one before they were sent (latest wins). */
  droppedLocal: number;
  /** Frames the server dropped, summed over reconnects. */
  droppedServer: number;
  /** Error messages received. */
  errors: number;
  /** Frames sent and not yet answered. */
  inFlight: number;
  /** Capture-to-result time of the latest result, ms (needs the capture clock to be this clock). */
  latencyMs: number;
  /** Exponential moving average of latencyMs. */
  latencyAvgMs: number;
  /** Results per second over the last two seconds. */
  fps: number;
  /** Successful reconnects. */
  reconnects: number;
}

export interface SendOptions {
  /** Capture time, ms since the epoch (default: now). Echoed in the result. */
  captureTs?: number;
}

export type SendStatus = 'sent' | 'pending' | 'dropped';

export interface SendOutcome {
  frameId: number;
  /**
   * `sent` went out now; `pending` waits for a free slot (and is replaced by any newer frame);
   * `dropped` was already older than a pending frame when it finished encoding.
   */
  status: SendStatus;
}

export interface StreamClientEvents extends Record<string, unknown> {
  state: ConnectionState;
  hello: HelloMessage;
  result: ResultMessage;
  /** The server dropped a frame (superseded, rate-limited, overloaded). */
  dropped: DroppedMessage;
  /** A frame was replaced locally before it was sent. */
  'local-drop': { frameId: number };
  error: FaceStreamError;
  close: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number };
}

interface Waiter {
  resolve: (result: ResultMessage) => void;
  reject: (error: FaceStreamError) => void;
}

interface Pending {
  frameId: number;
  bytes: Uint8Array;
}

const FPS_WINDOW_MS = 2000;

/**
 * Client for `/v1/stream`: sends frames, never more in flight than the server's
 * `hello.limits.maxInFlight`, keeps at most one frame waiting (latest wins) and reconnects.
 */
export class StreamClient extends Emitter<StreamClientEvents> {
  readonly #connection: Connection;
  readonly #encoder = new FrameEncoder();
  readonly #encodeOptions: EncodeOptions;
  readonly #answerTimeoutMs: number;
  /** frameId -> time sent (performance clock). */
  readonly #inFlight = new Map<number, number>();
  readonly #waiters = new Map<number, Waiter>();
  readonly #resultTimes: number[] = [];
  #pending: Pending | undefined;
  #limits: StreamLimits | undefined;
  #hello: HelloMessage | undefined;
  #nextFrameId = 1;
  #droppedServerBase = 0;
  #droppedServerCurrent = 0;
  #everConnected = false;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #stats = { sent: 0, results: 0, droppedLocal: 0, errors: 0, latencyMs: 0, latencyAvgMs: 0, reconnects: 0 };

  constructor(options: StreamClientOptions) {
    super();
    this.#encodeOptions = options.encode ?? {};
    this.#answerTimeoutMs = options.answerTimeoutMs ?? 10_000;
    this.#connection = new Connection('v1/stream', options);
    this.#connection.on('state', (state) => this.emit('state', state));
    this.#connection.on('message', (message) => this.#onMessage(message));
    this.#connection.on('error', (error) => this.emit('error', error));
    this.#connection.on('reconnecting', (event) => this.emit('reconnecting', event));
    this.#connection.on('close', (event) => this.#onClose(event));
  }

  /** Opens the socket (if needed) and resolves with the server's hello. */
  connect(): Promise<HelloMessage> {
    if (this.#connection.state === 'closed') return Promise.reject(new FaceStreamError('CLOSED'));
    const hello = this.#hello;
    if (hello && this.#connection.state === 'open') return Promise.resolve(hello);
    const ready = new Promise<HelloMessage>((resolve, reject) => {
      const offHello = this.once('hello', (message) => {
        offClose();
        resolve(message);
      });
      const offClose = this.on('state', (state) => {
        if (state !== 'closed') return;
        offHello();
        offClose();
        reject(this.#connection.finalError ?? new FaceStreamError('CLOSED'));
      });
    });
    this.#connection.start();
    return ready;
  }

  /** Closes for good; waiting `analyze` calls reject with CLOSED. */
  close(): void {
    this.#connection.close();
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** Limits from the latest hello, once connected. */
  get limits(): StreamLimits | undefined {
    return this.#limits;
  }

  /** Emotion labels from the latest hello. */
  get labels(): readonly string[] {
    return this.#hello?.labels ?? [];
  }

  get stats(): StreamStats {
    this.#trimFps(now());
    return {
      ...this.#stats,
      droppedServer: this.#droppedServerBase + this.#droppedServerCurrent,
      inFlight: this.#inFlight.size,
      fps: this.#resultTimes.length / (FPS_WINDOW_MS / 1000),
    };
  }

  /** True when a frame sent now would go out at once instead of waiting. */
  get canSendNow(): boolean {
    return this.#ready() && this.#inFlight.size < this.#maxInFlight();
  }

  /**
   * Sends a frame, or keeps it as the one pending frame when `maxInFlight` frames are already
   * out (replacing, and counting as a local drop, any older pending frame).
   */
  async send(input: FrameInput, options: SendOptions = {}): Promise<SendOutcome> {
    this.#assertNotClosed();
    const frameId = this.#takeFrameId();
    const captureTs = options.captureTs ?? Date.now();
    const frame = await this.#encoder.encode(input, this.#encodeOptions);
    return this.#submit(frameId, frame, captureTs);
  }

  /** Sends a frame and resolves with its result; rejects with a FaceStreamError if it errs or is dropped. */
  async analyze(input: FrameInput, options: SendOptions = {}): Promise<ResultMessage> {
    this.#assertNotClosed();
    const frameId = this.#takeFrameId();
    const captureTs = options.captureTs ?? Date.now();
    const frame = await this.#encoder.encode(input, this.#encodeOptions);
    const answer = new Promise<ResultMessage>((resolve, reject) => this.#waiters.set(frameId, { resolve, reject }));
    this.#submit(frameId, frame, captureTs);
    return answer;
  }

  /** Sends bytes as they are, without the frame envelope: for protocol tests and tools. */
  sendRaw(bytes: Uint8Array): boolean {
    return this.#connection.send(bytes);
  }

  #assertNotClosed(): void {
    if (this.#connection.state === 'closed') throw new FaceStreamError('CLOSED');
  }

  #takeFrameId(): number {
    const id = this.#nextFrameId;
    this.#nextFrameId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  #submit(frameId: number, frame: FramePayload, captureTs: number): SendOutcome {
    const bytes = encodeFrame({ format: frame.format, frameId, captureTs, width: frame.width, height: frame.height }, frame.payload);
    if (this.#pending && this.#pending.frameId > frameId) {
      // A newer frame finished encoding first: this one is already stale.
      this.#dropLocally(frameId);
      return { frameId, status: 'dropped' };
    }
    if (this.#pending) this.#dropLocally(this.#pending.frameId);
    this.#pending = { frameId, bytes };
    this.#flush();
    return { frameId, status: this.#pending?.frameId === frameId ? 'pending' : 'sent' };
  }

  #dropLocally(frameId: number): void {
    this.#stats.droppedLocal += 1;
    this.#settle(frameId, undefined, new FaceStreamError('DROPPED', 'replaced by a newer frame before it was sent', { frameId }));
    this.emit('local-drop', { frameId });
  }

  #flush(): void {
    const pending = this.#pending;
    if (!pending || !this.canSendNow) return;
    if (!this.#connection.send(pending.bytes)) return;
    this.#pending = undefined;
    this.#inFlight.set(pending.frameId, now());
    this.#stats.sent += 1;
  }

  #ready(): boolean {
    return this.#hello !== undefined && this.#connection.state === 'open';
  }

  #maxInFlight(): number {
    return Math.max(1, this.#limits?.maxInFlight ?? 1);
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        this.#onHello(message);
        return;
      case 'result':
        this.#onResult(message);
        return;
      case 'dropped':
        this.#noteServerDrops(message.droppedTotal);
        this.#answered(message.frameId);
        this.#settle(message.frameId, undefined, new FaceStreamError('DROPPED', `dropped by the server: ${message.reason}`, { frameId: message.frameId, fromServer: true }));
        this.emit('dropped', message);
        this.#flush();
        return;
      case 'error':
        this.#onError(message);
        return;
      default:
        // camera-state and preview belong to camera sockets; a stream socket ignores them.
        return;
    }
  }

  #onHello(message: HelloMessage): void {
    if (this.#everConnected) this.#stats.reconnects += 1;
    this.#everConnected = true;
    this.#droppedServerBase += this.#droppedServerCurrent;
    this.#droppedServerCurrent = 0;
    this.#hello = message;
    this.#limits = message.limits;
    this.#startSweep();
    this.emit('hello', message);
    this.#flush();
  }

  #onResult(message: ResultMessage): void {
    const t = now();
    this.#answered(message.frameId);
    this.#noteServerDrops(message.droppedTotal);
    this.#stats.results += 1;
    const latency = Date.now() - message.captureTs;
    this.#stats.latencyMs = latency;
    this.#stats.latencyAvgMs = this.#stats.results === 1 ? latency : this.#stats.latencyAvgMs * 0.9 + latency * 0.1;
    this.#resultTimes.push(t);
    this.#trimFps(t);
    this.#settle(message.frameId, message);
    this.emit('result', message);
    this.#flush();
  }

  #onError(message: ErrorMessage): void {
    this.#stats.errors += 1;
    const error = FaceStreamError.fromMessage(message);
    if (message.frameId !== undefined) {
      this.#answered(message.frameId);
      this.#settle(message.frameId, undefined, error);
    }
    this.emit('error', error);
    if (message.code === 'UNAUTHORIZED') this.close();
    this.#flush();
  }

  /** droppedTotal only grows on one connection; the max also holds if messages cross. */
  #noteServerDrops(droppedTotal: number): void {
    this.#droppedServerCurrent = Math.max(this.#droppedServerCurrent, droppedTotal);
  }

  #answered(frameId: number): void {
    this.#inFlight.delete(frameId);
  }

  #settle(frameId: number, result: ResultMessage | undefined, error?: FaceStreamError): void {
    const waiter = this.#waiters.get(frameId);
    if (!waiter) return;
    this.#waiters.delete(frameId);
    if (result) waiter.resolve(result);
    else waiter.reject(error ?? new FaceStreamError('INTERNAL', undefined, { frameId }));
  }

  #onClose(event: { code: number; reason: string; willReconnect: boolean }): void {
    this.#hello = undefined;
    this.#stopSweep();
    for (const frameId of this.#inFlight.keys()) {
      this.#settle(frameId, undefined, new FaceStreamError('CONNECTION_LOST', undefined, { frameId }));
    }
    this.#inFlight.clear();
    if (!event.willReconnect) {
      if (this.#pending) this.#settle(this.#pending.frameId, undefined, new FaceStreamError('CLOSED', undefined, { frameId: this.#pending.frameId }));
      this.#pending = undefined;
      for (const [frameId, waiter] of this.#waiters) waiter.reject(new FaceStreamError('CLOSED', undefined, { frameId }));
      this.#waiters.clear();
    }
    this.emit('close', event);
  }

  #startSweep(): void {
    this.#stopSweep();
    const timer = setInterval(() => this.#expire(), Math.min(1000, this.#answerTimeoutMs));
    (timer as { unref?: () => void }).unref?.();
    this.#sweep = timer;
  }

  #stopSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  /** Frees slots whose answer never came (e.g. an error the server could not tie to a frame). */
  #expire(): void {
    const cutoff = now() - this.#answerTimeoutMs;
    let freed = false;
    for (const [frameId, sentAt] of this.#inFlight) {
      if (sentAt > cutoff) continue;
      this.#inFlight.delete(frameId);
      this.#settle(frameId, undefined, new FaceStreamError('TIMEOUT', undefined, { frameId }));
      freed = true;
    }
    if (freed) this.#flush();
  }

  #trimFps(t: number): void {
    const times = this.#resultTimes;
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) < t - FPS_WINDOW_MS) drop += 1;
    if (drop > 0) times.splice(0, drop);
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
