/**
 * An in-process SharedKV with expiry, for tests and single-process crawls.
 *
 * Invariants: an expired key reads as absent and is removed when touched; `setIfAbsent` is
 * atomic within the process (no await between the test and the set).
 */
import type { SharedKV } from '../contracts.ts';

/** SharedKV over a Map; the clock is injectable for tests. */
export class MemoryKV implements SharedKV {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Value of `key`, or null when absent or expired. */
  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  /** Sets `key`, expiring after `ttlMs` when given. */
  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs });
  }

  /** Sets `key` only when absent; true when this call set it. */
  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs });
    return true;
  }

  /** Removes `key`. */
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Number of live keys (diagnostics and tests). */
  get size(): number {
    for (const key of [...this.entries.keys()]) this.live(key);
    return this.entries.size;
  }

  private live(key: string): { value: string; expiresAt: number } | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
