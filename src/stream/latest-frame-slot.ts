/**
 * Per-stream backpressure: one item runs, at most one waits. A newer offer replaces the waiting
 * item (latest frame wins), so a slow pipeline costs a stream frames, never memory or latency.
 */
export class LatestFrameSlot<T> {
  readonly #run: (item: T) => Promise<void>;
  readonly #onDrop: (item: T) => void;
  #waiting: { item: T } | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(run: (item: T) => Promise<void>, onDrop: (item: T) => void) {
    this.#run = run;
    this.#onDrop = onDrop;
  }

  offer(item: T): void {
    if (this.#closed) {
      this.#onDrop(item);
      return;
    }
    if (!this.#running) {
      this.#start(item);
      return;
    }
    if (this.#waiting) this.#onDrop(this.#waiting.item);
    this.#waiting = { item };
  }

  /** Resolves once nothing runs or waits. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Drops the waiting item and refuses new ones; the running one finishes. */
  close(): void {
    this.#closed = true;
    if (this.#waiting) this.#onDrop(this.#waiting.item);
    this.#waiting = undefined;
  }

  #start(item: T): void {
    this.#running = this.#run(item)
      .catch(() => undefined) // run() reports its own failures; the slot only sequences.
      .then(() => {
        this.#running = undefined;
        const next = this.#waiting;
        this.#waiting = undefined;
        if (next) this.#start(next.item);
      });
  }
}
