/** Token bucket: `ratePerSecond` sustained, bursts of up to one second's worth. */
export class RateLimiter {
  readonly #rate: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, now: number = performance.now()) {
    this.#rate = ratePerSecond;
    this.#tokens = ratePerSecond;
    this.#last = now;
  }

  tryTake(now: number = performance.now()): boolean {
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
