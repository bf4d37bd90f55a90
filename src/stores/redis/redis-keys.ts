/**
 * Names of every Redis key of one crawl: the key layout of the `redis` store.
 *
 * Invariants (Redis Cluster): all keys of one host share the hash tag `{<crawl>|<host>}`, all
 * crawl-level keys share `{<crawl>}`, so every script runs in exactly one slot. Crawl names
 * are restricted to `[A-Za-z0-9._-]` and hosts may not hold `{`, `}` or whitespace, so a tag
 * always ends where it should.
 */
import { ErrorCodes, StoreError } from '../../errors.ts';

/** Layout version written to the crawl's metadata; a mismatch refuses to open. */
export const LAYOUT_VERSION = '1';

const CRAWL_NAME = /^[A-Za-z0-9._-]{1,200}$/;
const BAD_HOST = /[{}\s]/;

/** The eight host keys in the order every host script declares them (see lua/host-lib.lua). */
export type HostKeys = [st: string, q: string, w: string, r: string, l: string, d: string, ak: string, i: string];

/** The four crawl-level index keys in the order every crawl script declares them (lua/crawl-lib.lua). */
export type CrawlKeys = [hosts: string, tot: string, sched: string, lexp: string];

/** Key names of one crawl under one prefix. */
export class RedisKeys {
  readonly crawlBase: string;
  readonly index: CrawlKeys;
  readonly meta: string;
  readonly seedClaim: string;

  constructor(
    readonly prefix: string,
    readonly crawl: string,
  ) {
    if (!CRAWL_NAME.test(crawl)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `crawl name must match [A-Za-z0-9._-]{1,200} (got ${JSON.stringify(crawl)})`);
    }
    if (!/^[A-Za-z0-9._-]{1,50}$/.test(prefix)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `key prefix must match [A-Za-z0-9._-]{1,50} (got ${JSON.stringify(prefix)})`);
    }
    this.crawlBase = `${prefix}:{${crawl}}:`;
    const b = this.crawlBase;
    this.index = [`${b}hosts`, `${b}tot`, `${b}sched`, `${b}lexp`];
    this.meta = `${b}meta`;
    this.seedClaim = `${b}seed-claim`;
  }

  /** The key of a SharedKV entry. */
  kv(key: string): string {
    return `${this.crawlBase}kv:${key}`;
  }

  /** The common start of every key of `host`. */
  hostBase(host: string): string {
    return `${this.prefix}:{${this.crawl}|${host}}:`;
  }

  /** The eight host keys of `host`. */
  host(host: string): HostKeys {
    const b = this.hostBase(host);
    return [`${b}st`, `${b}q`, `${b}w`, `${b}r`, `${b}l`, `${b}d`, `${b}ak`, `${b}i`];
  }

  /** The item stream of `host`. */
  items(host: string): string {
    return `${this.hostBase(host)}i`;
  }

  /** SCAN patterns that match every key of this crawl (for deleting a crawl). */
  patterns(): string[] {
    return [`${this.prefix}:{${this.crawl}}:*`, `${this.prefix}:{${this.crawl}|*`];
  }
}

/** True when `host` can be used inside a hash tag. */
export function isTaggableHost(host: string): boolean {
  return !BAD_HOST.test(host);
}
