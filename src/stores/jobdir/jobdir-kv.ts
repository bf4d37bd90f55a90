/**
 * The `jobdir` SharedKV: a small key-value area (robots.txt cache, crawl metadata) whose every
 * change is a record in the job directory's queue log, so it survives a restart.
 *
 * Invariant: an entry whose expiry has passed is never returned; expired entries are dropped
 * when touched and are not copied by compaction.
 */
import type { SharedKV } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import type { KvEntry } from './replay.ts';

/** A durable kv over the store's log; `write` logs and applies one change. */
export class JobdirKV implements SharedKV {
  constructor(
    private readonly write: (op: { k: string; v?: string; e?: number }) => void,
    private readonly entries: () => Map<string, KvEntry>,
  ) {}

  /** The value of `key`, or null when absent or expired. */
  async get(key: string): Promise<string | null> {
    return this.live(key)?.v ?? null;
  }

  /** Sets `key`; `ttlMs` makes it expire. */
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
    if (this.entries().has(key)) this.write({ k: key });
  }

  private live(key: string): KvEntry | undefined {
    const map = this.entries();
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.e <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, value: string, ttlMs?: number): void {
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, 'kv keys and values must be strings');
    }
    if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `kv ttlMs must be > 0 (got ${ttlMs})`);
    }
    this.write(ttlMs === undefined ? { k: key, v: value } : { k: key, v: value, e: Date.now() + ttlMs });
  }
}
