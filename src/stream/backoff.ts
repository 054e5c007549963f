export interface BackoffOptions {
  /** Upper bound of the first retry's delay, ms. */
  baseMs: number;
  /** No delay is ever longer than this, ms. */
  capMs: number;
  /** No delay is ever shorter than this, ms, so a source that fails instantly cannot spin. */
  floorMs: number;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): exponential growth with "full jitter"
 * (a uniform draw between the floor and min(cap, base * 2^(attempt-1))), so many cameras that lost the
 * same server do not reconnect in lock-step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const floor = Math.min(options.floorMs, ceiling);
  return floor + random() * (ceiling - floor);
}
