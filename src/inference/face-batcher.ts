import { OverloadedError } from './errors.js';

export interface FaceBatcherOptions {
  /** Faces per classifier call. */
  maxBatch: number;
  /** How long the first waiting face may wait for others to fill the batch. */
  maxWaitMs: number;
  /** Faces waiting across all callers; beyond this, classify() rejects with OverloadedError. */
  maxQueued: number;
  /** Floats per face. */
  faceLength: number;
  classes: number;
}

export type ClassifyFn = (input: Float32Array, count: number) => Promise<Float32Array>;

interface Request {
  faces: Float32Array;
  count: number;
  /** Faces of this request already sent to the model. */
  sent: number;
  probs: Float32Array;
  resolve: (probs: Float32Array) => void;
  reject: (error: Error) => void;
}

/**
 * Gathers faces from many frames and streams into batches for one model. One batch runs at a
 * time: the model already uses every core, and faces arriving meanwhile make the next batch fuller.
 */
export class FaceBatcher {
  readonly #options: FaceBatcherOptions;
  readonly #classify: ClassifyFn;
  readonly #input: Float32Array;
  readonly #queue: Request[] = [];
  #queuedFaces = 0;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #onBatch: ((size: number, ms: number) => void) | undefined;

  constructor(classify: ClassifyFn, options: FaceBatcherOptions, onBatch?: (size: number, ms: number) => void) {
    this.#classify = classify;
    this.#options = options;
    this.#input = new Float32Array(options.maxBatch * options.faceLength);
    this.#onBatch = onBatch;
  }

  get queuedFaces(): number {
    return this.#queuedFaces;
  }

  /** Resolves with count * classes probabilities, in the order of the faces given. */
  classify(faces: Float32Array, count: number): Promise<Float32Array> {
    if (count === 0) return Promise.resolve(new Float32Array(0));
    if (this.#queuedFaces + count > this.#options.maxQueued) {
      return Promise.reject(new OverloadedError(`${this.#queuedFaces} faces already wait for the classifier`));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ faces, count, sent: 0, probs: new Float32Array(count * this.#options.classes), resolve, reject });
      this.#queuedFaces += count;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running) return;
    if (this.#queuedFaces >= this.#options.maxBatch || this.#options.maxWaitMs === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#runBatch();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.#runBatch();
      }, this.#options.maxWaitMs);
    }
  }

  async #runBatch(): Promise<void> {
    if (this.#running || this.#queue.length === 0) return;
    this.#running = true;
    const { maxBatch, faceLength, classes } = this.#options;
    // Pack faces from the oldest requests first; a large request may span several batches.
    const parts: { request: Request; from: number; n: number; at: number }[] = [];
    let size = 0;
    for (const request of this.#queue) {
      if (size === maxBatch) break;
      const n = Math.min(request.count - request.sent, maxBatch - size);
      if (n === 0) continue;
      this.#input.set(request.faces.subarray(request.sent * faceLength, (request.sent + n) * faceLength), size * faceLength);
      parts.push({ request, from: request.sent, n, at: size });
      request.sent += n;
      size += n;
    }
    this.#queuedFaces -= size;
    const started = performance.now();
    try {
      const probs = await this.#classify(this.#input, size);
      this.#onBatch?.(size, performance.now() - started);
      for (const { request, from, n, at } of parts) {
        request.probs.set(probs.subarray(at * classes, (at + n) * classes), from * classes);
      }
      this.#settle((request) => request.resolve(request.probs), parts);
    } catch (error) {
      const failed = error instanceof Error ? error : new Error(String(error));
      this.#settle((request) => request.reject(failed), parts, true);
    } finally {
      this.#running = false;
      // Faces that arrived during the run have waited long enough already.
      if (this.#queue.length > 0) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        void this.#runBatch();
      }
    }
  }

  /** Removes finished (or, on failure, every touched) request from the queue and settles it. */
  #settle(settle: (request: Request) => void, parts: { request: Request }[], failed = false): void {
    for (const { request } of parts) {
      const done = failed || request.sent === request.count;
      if (!done) continue;
      const index = this.#queue.indexOf(request);
      if (index === -1) continue;
      this.#queue.splice(index, 1);
      if (failed) this.#queuedFaces -= request.count - request.sent;
      settle(request);
    }
  }
}
