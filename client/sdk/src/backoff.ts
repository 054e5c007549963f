export interface BackoffOptions {
  /** First delay, ms (default 250). */
  initialMs?: number;
  /** Ceiling, ms (default 10 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomised, 0..1 (default 0.3), so clients do not reconnect in lockstep. */
  jitter?: number;
}

/** Delay before reconnect attempt `attempt` (1-based): initial * factor^(attempt-1), capped, with jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialMs = 250, maxMs = 10_000, factor = 2, jitter = 0.3 } = options;
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter + jitter * random()));
}
