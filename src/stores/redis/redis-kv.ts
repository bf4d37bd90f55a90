/**
 * The SharedKV of a Redis crawl: plain string keys under the crawl's tag, with Redis expiry.
 * `setIfAbsent` is `SET NX`, so exactly one worker of the fleet wins a claim (robots.txt
 * fetches, seeding).
 */
import type { Cluster, Redis } from 'ioredis';
import type { SharedKV } from '../../contracts.ts';
import type { RedisKeys } from './redis-keys.ts';

/** A SharedKV over one crawl's keys. */
export class RedisKV implements SharedKV {
  constructor(
    private readonly client: () => Redis | Cluster,
    private readonly keys: RedisKeys,
  ) {}

  /** The value, or null when absent or expired. */
  async get(key: string): Promise<string | null> {
    return this.client().get(this.keys.kv(key));
  }

  /** Sets a value, with an optional time to live in ms. */
  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.keys.kv(key);
    if (ttlMs !== undefined && ttlMs > 0) await this.client().set(k, value, 'PX', Math.ceil(ttlMs));
    else await this.client().set(k, value);
  }

  /** Sets only when absent; true when this call set it. */
  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.keys.kv(key);
    const reply =
      ttlMs !== undefined && ttlMs > 0
        ? await this.client().set(k, value, 'PX', Math.ceil(ttlMs), 'NX')
        : await this.client().set(k, value, 'NX');
    return reply === 'OK';
  }

  /** Removes a key (absent keys are fine). */
  async delete(key: string): Promise<void> {
    await this.client().del(this.keys.kv(key));
  }
}
