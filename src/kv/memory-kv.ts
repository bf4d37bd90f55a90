/**
 * The one in-process SharedKV: a Map of string values with optional expiry. The memory store
 * uses it as its key-value area, and the downloader's robots.txt cache takes it when no store
 * is at hand (tests, single-process tools). It lives here, beside neither, so that both may
 * import it while depending on contracts and errors only.
 *
 * Invariants: an entry whose expiry has passed is never returned; it is dropped when next
 * touched or by the sweep that runs each time the map doubles, so dead keys cannot pile up.
 * `setIfAbsent` is atomic within the process (no await between the test and the set).
 */
import type { SharedKV } from '../contracts.ts';
import { ErrorCodes, StoreError } from '../errors.ts';

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; Infinity when it never expires. */
  expiresAt: number;
}

/** A process-local key-value area with TTLs; the clock is injectable for tests. */
export class MemoryKV implements SharedKV {
  private readonly map = new Map<string, Entry>();
  private closed = false;
  private sweepAt = 1024;

  /** `clock` gives epoch milliseconds (default `Date.now`). */
  constructor(private readonly clock: () => number = Date.now) {}

  /** The value of `key`, or null when absent or expired. */
  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  /** Sets `key`, replacing any value; `ttlMs` (> 0) makes it expire. */
  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  /** Sets `key` only when absent (or expired); true when this call set it. */
  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.put(key, value, ttlMs);
    return true;
  }

  /** Removes `key` (absent keys are fine). */
  async delete(key: string): Promise<void> {
    this.assertOpen();
    this.map.delete(key);
  }

  /** Number of live keys (diagnostics and tests). */
  get size(): number {
    this.sweep(this.clock());
    return this.map.size;
  }

  /** Drops everything; further calls fail with SF_STORE_CLOSED. */
  close(): void {
    this.closed = true;
    this.map.clear();
  }

  private live(key: string): Entry | undefined {
    this.assertOpen();
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.map.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, value: string, ttlMs?: number): void {
    this.assertOpen();
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, 'kv keys and values must be strings');
    }
    if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `kv ttlMs must be > 0 (got ${ttlMs})`);
    }
    const now = this.clock();
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs });
    if (this.map.size >= this.sweepAt) this.sweep(now);
  }

  /** Removes expired entries; the next sweep waits until the map doubles again. */
  private sweep(now: number): void {
    for (const [key, entry] of this.map) if (entry.expiresAt <= now) this.map.delete(key);
    this.sweepAt = Math.max(1024, this.map.size * 2);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(ErrorCodes.STORE_CLOSED, 'kv is closed');
  }
}
