/**
 * Joining a crawl and the seeding phase: which worker seeds a new crawl, and when the others
 * may believe an empty-looking crawl.
 *
 * Invariants:
 * - the layout version is written only when absent, and a crawl of another layout is refused
 *   before anything else is read or written;
 * - exactly one worker seeds a new crawl: the claim is a `SET NX` with an expiry, kept alive
 *   while it enqueues, so a seeder that dies leaves the claim to lapse instead of blocking the
 *   crawl for good;
 * - `seeded` is set in the crawl's metadata only after the seeder's own enqueues are in, and
 *   until then (or until its claim lapses) no worker may decide that the crawl is finished: an
 *   empty queue before seeding is no evidence of an empty crawl.
 */
import type { StoreOpenInfo } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { LAYOUT_VERSION } from './redis-keys.ts';
import type { StoreContext } from './store-context.ts';

/** How long a seeding claim lives without being extended (ms). */
export const SEED_CLAIM_MS = 60_000;

/** One worker's view of the crawl's seeding: whether it seeds, and whether seeding is over. */
export class SeedClaim {
  private seeder = false;
  private seeded = false;
  private readonly workerId = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  constructor(private readonly ctx: StoreContext) {}

  /** Checks the layout and claims the seeding of a new crawl; `resumed` is false only for the worker that won the claim. */
  async join(): Promise<StoreOpenInfo> {
    const client = this.ctx.redis();
    const { meta, seedClaim, crawl } = this.ctx.keys;
    const [version, seeded] = await this.ctx.rt(async () => {
      await client.hsetnx(meta, 'version', LAYOUT_VERSION);
      await client.hsetnx(meta, 'created', String(Date.now()));
      return client.hmget(meta, 'version', 'seeded');
    });
    if (version !== LAYOUT_VERSION) {
      throw new StoreError(ErrorCodes.STORE_VERSION, `crawl "${crawl}" has key layout ${version}; this superfilter reads layout ${LAYOUT_VERSION}`);
    }
    if (seeded === '1') {
      this.seeded = true;
      return { resumed: true, recoveredLeases: 0 };
    }
    const won = await this.ctx.rt(() => client.set(seedClaim, this.workerId, 'PX', SEED_CLAIM_MS, 'NX'));
    this.seeder = won === 'OK';
    return { resumed: !this.seeder, recoveredLeases: 0 };
  }

  /** Keeps this worker's claim alive while it is still seeding (not waited for, not counted as a round trip). */
  extend(): void {
    if (this.seeder && !this.seeded) void this.ctx.redis().pexpire(this.ctx.keys.seedClaim, SEED_CLAIM_MS).catch(() => {});
  }

  /** Ends the seeding phase if this worker seeded: other workers may now decide the crawl is finished. */
  async markSeeded(): Promise<void> {
    if (!this.seeder || this.seeded) return;
    await this.ctx.rt(async () => {
      await this.ctx.redis().hset(this.ctx.keys.meta, 'seeded', '1');
      await this.ctx.redis().del(this.ctx.keys.seedClaim);
    });
    this.seeded = true;
  }

  /** True when seeding is over: marked by a seeder (this one first, if it seeded), or no live claim is left. */
  async isOver(): Promise<boolean> {
    await this.markSeeded();
    if (this.seeded) return true;
    const meta = await this.ctx.rt(() => this.ctx.redis().hget(this.ctx.keys.meta, 'seeded'));
    if (meta === '1') {
      this.seeded = true;
      return true;
    }
    return (await this.ctx.redis().exists(this.ctx.keys.seedClaim)) !== 1;
  }
}
