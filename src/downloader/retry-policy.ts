/**
 * When a failed fetch is tried again, and after how long. Pure functions: no clock or
 * randomness unless injected, so every decision can be tested exactly.
 *
 * Invariants: only transient failures retry (errors marked `retryable` — network errors and
 * timeouts — and the statuses 408, 429 and 5xx except 501/505); never more than `retries`
 * times; the backoff doubles from `retryBaseMs` with jitter and never exceeds `maxDelayMs`;
 * a server's Retry-After (seconds or an HTTP date) replaces the backoff, capped at
 * `maxRetryAfterMs`.
 */
import { configSchema } from '../config.ts';
import { SuperfilterError } from '../errors.ts';

/** Settings of the retry policy; defaults come from the config schema. */
export interface RetryOptions {
  /** Retries after the first attempt (config `retries`). */
  retries?: number;
  /** First backoff (config `retryBaseMs`); doubles per retry. */
  retryBaseMs?: number;
  /** Longest computed backoff (default 60 s). */
  maxDelayMs?: number;
  /** Longest wait a Retry-After header may ask for (default 5 min). */
  maxRetryAfterMs?: number;
  /** Fraction of the backoff taken off at random, in [0, 1] (default 0.25). */
  jitter?: number;
  /** Random source in [0, 1) (injectable for tests). */
  random?: () => number;
  /** Clock in epoch ms, for HTTP-date Retry-After (injectable for tests). */
  now?: () => number;
}

/** The policy's answer. */
export interface RetryDecision {
  retry: boolean;
  /** Milliseconds to wait before the next attempt (0 when not retrying). */
  delayMs: number;
  /** Why: the status or error code, for stats and logs. */
  reason: string;
}

const RETRY_STATUSES = new Set([408, 429]);

/** True for HTTP statuses worth retrying: 408, 429 and 5xx except 501 and 505. */
export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status) || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * Parses a Retry-After value (delta seconds or an HTTP date) into milliseconds from `now`;
 * null when absent or malformed. A date in the past means 0.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Decides whether to retry after a failure.
 * `failure` is an HTTP status or a thrown error; `attempt` counts the retries already made
 * (0 after the first failure); `headers` are the response headers, lower-case (for Retry-After).
 */
export function retryDecision(
  failure: unknown,
  attempt: number,
  headers: Record<string, string> = {},
  options: RetryOptions = {},
): RetryDecision {
  const retries = options.retries ?? configSchema.retries.default;
  let reason: string;
  let transient: boolean;
  if (typeof failure === 'number') {
    reason = String(failure);
    transient = isRetryableStatus(failure);
  } else if (failure instanceof SuperfilterError) {
    reason = failure.code;
    transient = failure.retryable;
  } else {
    reason = 'SF_UNKNOWN';
    transient = false;
  }
  if (!transient || attempt >= retries) return { retry: false, delayMs: 0, reason };

  const now = options.now ?? Date.now;
  const retryAfter = parseRetryAfter(headers['retry-after'], now());
  if (retryAfter !== null) return { retry: true, delayMs: Math.min(retryAfter, options.maxRetryAfterMs ?? 300_000), reason };

  const base = options.retryBaseMs ?? configSchema.retryBaseMs.default;
  const ceiling = Math.min(base * 2 ** attempt, options.maxDelayMs ?? 60_000);
  const jitter = Math.min(Math.max(options.jitter ?? 0.25, 0), 1);
  const random = (options.random ?? Math.random)();
  return { retry: true, delayMs: Math.round(ceiling * (1 - jitter * random)), reason };
}
