/**
 * Small helpers of the Redis store: retrying an operation across transient Redis failures
 * (so a page's outcome is never dropped), and checking the server's listpack limits that the
 * compact seen set relies on.
 */
import type { Cluster, Redis } from 'ioredis';
import { ErrorCodes, StoreError } from '../../errors.ts';
import type { RedisLog } from './redis-connection.ts';
import { reconnectDelay } from './redis-connection.ts';

const TRANSIENT =
  /LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|refresh slots|All nodes failed|MaxRetriesPerRequest/i;

/** True for failures that may pass if the same call is made again (the scripts are idempotent). */
export function isTransientRedisError(error: unknown): boolean {
  const e = error as { message?: string; name?: string };
  return TRANSIENT.test(`${e?.name ?? ''} ${e?.message ?? ''}`);
}

/**
 * Runs `fn` until it succeeds, backing off and logging on transient Redis errors, while
 * `alive()` holds. Other errors become StoreError SF_STORE_IO (StoreErrors pass through).
 */
export async function retrying<T>(what: string, fn: () => Promise<T>, log: RedisLog, alive: () => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (!isTransientRedisError(error) || !alive()) {
        const transient = isTransientRedisError(error);
        throw new StoreError(transient ? ErrorCodes.STORE_UNAVAILABLE : ErrorCodes.STORE_IO, `redis ${what} failed: ${(error as Error).message}`, {
          cause: error,
          retryable: transient,
        });
      }
      const ms = reconnectDelay(attempt);
      log('warn', `redis ${what} failed (${(error as Error).message}); retrying in ${ms} ms (attempt ${attempt})`);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
}

/** Entries a seen bucket may reach (linear hashing keeps most buckets near 160, a few near 2x). */
export const SEEN_BUCKET_MAX = 512;

/**
 * Warns when the server would store seen buckets as hash tables (about 5x the memory):
 * `hash-max-listpack-entries` (or `hash-max-ziplist-entries`) below 512, or values below 16 bytes.
 * The store works either way; only its memory per URL changes.
 */
export async function checkListpackConfig(client: Redis | Cluster, log: RedisLog): Promise<void> {
  try {
    const node = 'nodes' in client ? (client.nodes('master')[0] ?? null) : client;
    if (node === null) return;
    const reply = (await node.call('CONFIG', 'GET', 'hash-max-*')) as string[];
    const config = new Map<string, number>();
    for (let i = 0; i + 1 < reply.length; i += 2) config.set(reply[i], Number(reply[i + 1]));
    const entries = config.get('hash-max-listpack-entries') ?? config.get('hash-max-ziplist-entries');
    const value = config.get('hash-max-listpack-value') ?? config.get('hash-max-ziplist-value');
    if (entries !== undefined && entries < SEEN_BUCKET_MAX) {
      log('warn', `redis: hash-max-listpack-entries is ${entries}; set it to ${SEEN_BUCKET_MAX} or more to keep the seen set compact (see docs/fleet.md)`);
    }
    if (value !== undefined && value < 16) {
      log('warn', `redis: hash-max-listpack-value is ${value}; set it to 16 or more to keep the seen set compact (see docs/fleet.md)`);
    }
  } catch {
    // CONFIG may be disabled (managed Redis, ACLs): the store works, memory is not checked.
  }
}
