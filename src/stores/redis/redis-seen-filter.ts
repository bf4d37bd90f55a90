/**
 * A SeenFilter over the seen set of one host of a Redis crawl (host '' for `Store.seen`:
 * fingerprints without a host, as imports and benchmarks give them).
 *
 * The crawl itself never goes through this class: enqueue and commit do the test-and-set
 * inside the push scripts. Each call is one script run in the host's slot, so a batch is one
 * round trip and atomic.
 */
import type { Fingerprint, SeenFilter } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import type { CrawlIndex } from './crawl-index.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RedisScripts } from './redis-scripts.ts';

/** What the filter needs from its store. */
export interface SeenFilterContext {
  scripts: () => RedisScripts;
  keys: RedisKeys;
  index: () => CrawlIndex;
  /** Default politeness, passed to host scripts for their summary. */
  policyArgs: string[];
  /** The crawl's last known count of distinct fingerprints. */
  knownSize: () => number;
  /** Called after a batch with the number of new fingerprints. */
  onAdded: (n: number) => void;
}

/** The seen set of one host. */
export class RedisSeenFilter implements SeenFilter {
  constructor(
    private readonly ctx: SeenFilterContext,
    readonly host = '',
  ) {}

  /** The crawl's count of distinct fingerprints, as last read from Redis. */
  get size(): number {
    return this.ctx.knownSize();
  }

  /** Atomic batch test-and-set: true where a fingerprint was new. */
  async addMany(fps: readonly Fingerprint[]): Promise<boolean[]> {
    if (fps.length === 0) return [];
    const hex = fps.map((fp) => {
      if (!(fp instanceof Uint8Array) || fp.length < 10) {
        throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, 'fingerprint must be a Uint8Array of at least 10 bytes');
      }
      return Buffer.from(fp.subarray(0, 10)).toString('hex');
    });
    const reply = await this.ctx.scripts()['host-seen'](this.ctx.keys.host(this.host), [
      '0',
      ...this.ctx.policyArgs,
      String(hex.length),
      ...hex,
    ]);
    const flags = reply[0];
    this.ctx.index().add(this.host, reply.slice(1));
    const out = Array.from(flags, (c) => c === '1');
    this.ctx.onAdded(out.filter(Boolean).length);
    return out;
  }

  /** Nothing to free: the store owns the connection. */
  async close(): Promise<void> {}
}
