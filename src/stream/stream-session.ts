import { decodeFrame, type FrameHeader } from '../protocol/frame-header.js';
import {
  EMOTION_LABELS,
  PROTOCOL_VERSION,
  errorMessage,
  type DroppedMessage,
  type HelloMessage,
  type ServerMessage,
  type StreamLimits,
} from '../protocol/messages.js';
import { checkFrame, decodeGray, type DecodeLimits } from './frame-decoder.js';
import { FrameError } from './frame-error.js';
import { FrameProcessor, nowMs } from './frame-processor.js';
import { LatestFrameSlot } from './latest-frame-slot.js';
import { RateLimiter } from './rate-limiter.js';
import type { StreamObserver } from './stream-observer.js';

interface PendingFrame {
  header: FrameHeader;
  payload: Uint8Array;
  receivedTs: number;
}

const headerProblems = {
  'too-short': 'message is shorter than the 24-byte frame header',
  'bad-magic': 'message does not start with the "FSF1" frame header',
  'bad-version': 'unsupported frame header version',
  'bad-format': 'unknown frame format code',
  'bad-timestamp': 'capture timestamp is not a finite number',
} as const;

export interface StreamSessionOptions {
  limits: DecodeLimits & { maxFps: number };
  observer: StreamObserver;
  send: (message: ServerMessage) => void;
}

/**
 * One client's /v1/stream conversation, independent of the socket library: binary frames in,
 * JSON messages out through `send`. Bad input is answered with an error and never ends the session.
 */
export class StreamSession {
  readonly #processor: FrameProcessor;
  readonly #options: StreamSessionOptions;
  readonly #slot: LatestFrameSlot<PendingFrame>;
  readonly #rate: RateLimiter;
  #droppedTotal = 0;

  constructor(processor: FrameProcessor, options: StreamSessionOptions) {
    this.#processor = processor;
    this.#options = options;
    this.#rate = new RateLimiter(options.limits.maxFps);
    this.#slot = new LatestFrameSlot(
      (frame) => this.#process(frame),
      (frame) => this.#drop(frame.header.frameId, 'superseded'),
    );
  }

  hello(): HelloMessage {
    const { maxFrameBytes, maxWidth, maxHeight, maxFps } = this.#options.limits;
    const limits: StreamLimits = { maxFrameBytes, maxWidth, maxHeight, maxFps, maxInFlight: 2 };
    return { type: 'hello', v: PROTOCOL_VERSION, labels: [...EMOTION_LABELS], limits };
  }

  receive(data: Uint8Array, isBinary: boolean): void {
    const { observer, send, limits } = this.#options;
    observer.frameReceived('socket');
    if (!isBinary) {
      this.#fail('EXPECTED_BINARY');
      return;
    }
    const decoded = decodeFrame(data);
    if (!decoded.ok) {
      this.#fail('BAD_FRAME_HEADER', headerProblems[decoded.problem], decoded.frameId);
      return;
    }
    const { header, payload } = decoded;
    try {
      checkFrame(header.format, payload, header.width, header.height, limits);
    } catch (error) {
      const { code, message } = error as FrameError;
      this.#fail(code, message, header.frameId);
      return;
    }
    if (!this.#rate.tryTake()) {
      this.#drop(header.frameId, 'rate-limited');
      send(errorMessage('RATE_LIMITED', `more than ${limits.maxFps} frames per second`, header.frameId));
      return;
    }
    // The socket library may reuse its buffer; keep our own copy while the frame waits.
    this.#slot.offer({ header, payload: payload.slice(), receivedTs: nowMs() });
  }

  /** Stops taking frames; resolves when the frame in progress is done. */
  async close(): Promise<void> {
    this.#slot.close();
    await this.#slot.idle();
  }

  async #process({ header, payload, receivedTs }: PendingFrame): Promise<void> {
    const { observer, send, limits } = this.#options;
    try {
      const decodeStart = performance.now();
      const image = await decodeGray(header.format, payload, header.width, header.height, limits);
      const decodeMs = performance.now() - decodeStart;
      const result = await this.#processor.process(image, {
        frameId: header.frameId,
        captureTs: header.captureTs,
        receivedTs,
        decodeMs,
        droppedTotal: this.#droppedTotal,
      });
      observer.frameProcessed('socket', result.timings, result.faces.length);
      send(result);
    } catch (error) {
      const frameError = error instanceof FrameError ? error : new FrameError('INTERNAL');
      if (frameError.code === 'OVERLOADED') this.#drop(header.frameId, 'overloaded');
      this.#fail(frameError.code, frameError.message, header.frameId);
    }
  }

  #drop(frameId: number, reason: DroppedMessage['reason']): void {
    this.#droppedTotal++;
    this.#options.observer.frameDropped('socket', reason);
    this.#options.send({ type: 'dropped', v: PROTOCOL_VERSION, frameId, reason, droppedTotal: this.#droppedTotal });
  }

  #fail(code: FrameError['code'], message?: string, frameId?: number): void {
    this.#options.observer.frameFailed('socket', code);
    this.#options.send(errorMessage(code, message, frameId));
  }
}
