/**
 * The census behind `isFinished`: every host of the crawl reports its state afresh.
 *
 * The crawl-level index only lags the host slots: a worker's reports wait up to a flush, and a
 * worker that died between a host script and its report never sends one, leaving the index
 * with an old count for that host. A crawl that looks empty in the index is therefore only
 * believed after every host known to the index has been read in its own slot.
 *
 * Invariants: the census writes nothing to the host slots except a new summary version, so it
 * is safe at any time and from any worker; its summaries go through the worker's pending
 * reports like every other, so the index keeps only the newest per host; hosts are read in
 * chunks of 500 per round trip to keep replies small on crawls of very many hosts.
 */
import type { StoreContext } from './store-context.ts';

const CHUNK = 500;

/** Reads the summary of every host in the crawl-level index into this worker's pending reports (one round trip per 500 hosts). */
export async function takeHostCensus(ctx: StoreContext): Promise<void> {
  const hosts = await ctx.rt(() => ctx.redis().hkeys(ctx.keys.index[0]));
  // now = 0 skips the summary's "busy, look again in 250 ms" bump: a census restates ready times, never moves them.
  const args = [String(0), ...ctx.policyArgs];
  for (let i = 0; i < hosts.length; i += CHUNK) {
    const chunk = hosts.slice(i, i + CHUNK);
    const replies = await ctx.rt(() => Promise.all(chunk.map((h) => ctx.scripts()['host-summary'](ctx.keys.host(h), args))));
    replies.forEach((reply, k) => {
      ctx.index().add(chunk[k], reply);
    });
  }
}
