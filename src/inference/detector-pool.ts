import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { OverloadedError } from './errors.js';
import type { DetectOptions, DetectResult, DetectTask, DetectorWorkerData } from './detector-task.js';

export interface DetectorPoolOptions {
  threads: number;
  /** Tasks waiting for a free worker; beyond this, detect() rejects at once. */
  maxQueue: number;
  cascadePath: string;
}

export interface DetectorPoolStats {
  threads: number;
  queued: number;
  /** Share of worker time spent running tasks since start, 0..1. */
  utilization: number;
}

const workerUrl = new URL(/\.ts$/.test(import.meta.url) ? './detector-worker.ts' : './detector-worker.js', import.meta.url);

/** Haar detection on a fixed-size pool of worker threads, each holding its own OpenCV instance. */
export class DetectorPool {
  readonly #pool: Piscina<DetectTask, DetectResult>;
  readonly #maxQueue: number;

  constructor(options: DetectorPoolOptions) {
    this.#maxQueue = options.maxQueue;
    const workerData: DetectorWorkerData = { cascadePath: options.cascadePath };
    this.#pool = new Piscina({
      filename: fileURLToPath(workerUrl),
      minThreads: options.threads,
      maxThreads: options.threads,
      // Workers load the TypeScript task file through tsx when the service runs from source.
      execArgv: workerUrl.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
      workerData,
    });
  }

  /** Detects faces; the pixel buffer is moved to the worker and is unusable afterwards. */
  detect(pixels: Uint8Array, width: number, height: number, options: DetectOptions): Promise<DetectResult> {
    const owned = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength && pixels.buffer instanceof ArrayBuffer
      ? pixels
      : pixels.slice();
    if (this.#pool.queueSize >= this.#maxQueue) {
      return Promise.reject(new OverloadedError(`${this.#pool.queueSize} frames already wait for a detector`));
    }
    return this.#pool.run({ pixels: owned, width, height, options }, { transferList: [owned.buffer as ArrayBuffer] });
  }

  /** Runs one tiny task on every worker so OpenCV is loaded before the first real frame. */
  async warmUp(options: DetectOptions): Promise<void> {
    await Promise.all(
      Array.from({ length: this.#pool.options.maxThreads }, () => this.detect(new Uint8Array(64 * 64), 64, 64, options)),
    );
  }

  stats(): DetectorPoolStats {
    return { threads: this.#pool.threads.length, queued: this.#pool.queueSize, utilization: this.#pool.utilization };
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
