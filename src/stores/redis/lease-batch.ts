/**
 * The lease path of the Redis store: claim hosts in the crawl-level index, lease from each
 * claimed host in its own slot, and hand the leases out with the hosts taking turns.
 *
 * Invariants:
 * - at most two round trips per call: the claim (which also carries this worker's waiting
 *   reports), then every claimed host's lease script at once;
 * - politeness is decided by the host script alone (concurrency, delay, jitter): the claim
 *   only spreads workers over hosts, holding a claimed host back for `holdMs` until the lease
 *   script's summary reports its real next ready time;
 * - every lease is remembered with its host and token before the call returns, because commit
 *   and release must run in that host's slot and show that token: a token from an expired and
 *   re-leased delivery is refused there;
 * - the wake time is never before `now`, and null only when no host has anything scheduled.
 */
import type { Lease, LeaseBatch, LeaseOptions, QueuedRequest } from '../../contracts.ts';
import { SUMMARY_WIDTH, viewSummary } from './crawl-index.ts';
import type { StoreContext } from './store-context.ts';

/** A lease this worker holds: the host whose slot keeps it, and the token its ack or release must show. */
export interface HeldLease {
  host: string;
  token: string;
}

/** How this worker leases. */
export interface LeaseSettings {
  /** How long a claimed host is held for this worker (ms). */
  holdMs: number;
  /** Jitter source in [0, 1), one draw per host lease script. */
  random: () => number;
}

/**
 * Claims ready hosts, leases from each of them, records every lease in `held`, and returns up
 * to `options.max` leases with the time to ask again. `options` must be validated already.
 */
export async function leaseBatch(ctx: StoreContext, options: LeaseOptions, settings: LeaseSettings, held: Map<string, HeldLease>): Promise<LeaseBatch> {
  const { max, now, leaseMs } = options;
  const claim = await ctx.rt(() =>
    ctx.index().carry((reports) => ctx.scripts()['crawl-claim'](ctx.keys.index, [String(now), String(Math.max(max, 0)), String(settings.holdMs), ...reports])),
  );
  let wake = claim[0] === '' ? Number.POSITIVE_INFINITY : Number(claim[0]);
  const picks: [string, number][] = [];
  for (let i = 1; i < claim.length; i += 2) picks.push([claim[i], Number(claim[i + 1])]);
  const perHost: Lease[][] = [];
  if (picks.length > 0 && max > 0) {
    const replies = await ctx.rt(() =>
      Promise.all(
        picks.map(([host, cap]) =>
          ctx.scripts()['host-lease'](ctx.keys.host(host), [String(now), ...ctx.policyArgs, String(cap), String(leaseMs), String(settings.random())]),
        ),
      ),
    );
    replies.forEach((reply, i) => {
      const host = picks[i][0];
      const summary = reply.slice(0, SUMMARY_WIDTH);
      ctx.index().add(host, summary);
      const { readyAt } = viewSummary(summary);
      if (readyAt >= 0) wake = Math.min(wake, readyAt);
      const leases: Lease[] = [];
      for (let j = SUMMARY_WIDTH; j < reply.length; j += 4) {
        const request = JSON.parse(reply[j + 1]) as QueuedRequest;
        held.set(reply[j], { host, token: reply[j + 3] });
        leases.push({ request, deliveries: Number(reply[j + 2]), expiresAt: now + leaseMs });
      }
      perHost.push(leases);
    });
    ctx.scheduleFlush();
  }
  const wakeAt = wake === Number.POSITIVE_INFINITY ? null : Math.max(now, Math.ceil(wake));
  return { leases: interleave(perHost, max), wakeAt };
}

/** The leases with the hosts taking turns (each host's first, then each host's second, ...) until a round reaches `max`; no host fills a batch. */
export function interleave(perHost: readonly (readonly Lease[])[], max: number): Lease[] {
  const leases: Lease[] = [];
  for (let round = 0; leases.length < max; round++) {
    let any = false;
    for (const list of perHost) {
      if (round < list.length) {
        leases.push(list[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return leases;
}
