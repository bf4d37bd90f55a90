/**
 * What the parts of the Redis store (seed claim, pushes, leases, census) may use of the store
 * that owns them, without importing it: the store builds one of these over itself and hands
 * it to each part, so dependencies run one way.
 *
 * Invariants: every Redis call a part makes goes through `rt`, so `RedisStore.roundTrips`
 * counts exactly what it counted when the parts lived in the store; calls that the store never
 * counted (a fire-and-forget PEXPIRE, an EXISTS) use `redis()` directly and stay uncounted.
 * The getters throw once the store is closed, so a part cannot outlive its connection.
 */
import type { Cluster, Redis } from 'ioredis';
import type { CrawlIndex } from './crawl-index.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RedisScripts } from './redis-scripts.ts';

/** The store seen from its parts. */
export interface StoreContext {
  readonly keys: RedisKeys;
  /** Default politeness (concurrency, delay, jitter), passed to every host script for its summary. */
  readonly policyArgs: readonly string[];
  /** The connection (throws unless open). */
  redis(): Redis | Cluster;
  /** The scripts bound to the connection (throws unless open). */
  scripts(): RedisScripts;
  /** This worker's pending reports to the crawl-level index (throws unless open). */
  index(): CrawlIndex;
  /** Runs `fn` as one counted round trip (a group of concurrent commands counts once). */
  rt<T>(fn: () => Promise<T>): Promise<T>;
  /** Sends the waiting reports soon, unless a send is already due. */
  scheduleFlush(): void;
  /** Adds `n` fingerprints found new by a push to the crawl's last known seen count. */
  addSeen(n: number): void;
}
