/**
 * Pushing requests of many hosts at once: enqueue, and the children of a committed page that
 * belong to other hosts than the page's own.
 *
 * Invariants:
 * - each host's requests go in one host-push run in the host's slot, which tests and marks
 *   them seen and queues them together: no crash leaves a request seen but not queued;
 * - the hosts are registered in the crawl-level index in the same round trip as their pushes
 *   (the registration written first), because the census of isFinished walks the index's
 *   hosts: a host with work the index cannot name would be missed;
 * - sending and applying are apart so that the commit path can put the pushes in one round
 *   trip with its report and ack; every script here is idempotent, so a group resent after a
 *   lost connection pushes nothing twice.
 */
import type { QueuedRequest } from '../../contracts.ts';
import { requestArgs } from './request-args.ts';
import type { StoreContext } from './store-context.ts';

/**
 * Sends the host registration and one push script per host group, without waiting for them.
 * With `withReport` the registration also carries this worker's waiting reports.
 */
export function sendGroups(
  ctx: StoreContext,
  requests: readonly QueuedRequest[],
  groups: Map<string, number[]>,
  now: number,
  withReport: boolean,
): Promise<unknown[]> {
  const hosts = [...groups.keys()];
  const register = withReport ? ctx.index().report(hosts) : ctx.scripts()['crawl-report'](ctx.keys.index, ['0', String(hosts.length), ...hosts]);
  return Promise.all([
    register,
    ...hosts.map((host) => {
      const members = groups.get(host)!.map((i) => requests[i]);
      return ctx.scripts()['host-push'](ctx.keys.host(host), [String(now), ...ctx.policyArgs, String(members.length), ...requestArgs(members)]);
    }),
  ]);
}

/** Records what {@link sendGroups} answered: which requests were new (into `added`), and each host's index state. */
export function applyGroups(ctx: StoreContext, groups: Map<string, number[]>, replies: unknown[], added: boolean[]): void {
  [...groups.keys()].forEach((host, k) => {
    const reply = replies[k + 1] as string[];
    groups.get(host)!.forEach((i, j) => {
      added[i] = reply[0][j] === '1';
    });
    ctx.addSeen([...reply[0]].filter((c) => c === '1').length);
    ctx.index().add(host, reply.slice(1));
  });
}

/** Pushes each host group of `requests` with one host script each (one round trip), registering the hosts. */
export async function pushGroups(
  ctx: StoreContext,
  requests: readonly QueuedRequest[],
  groups: Map<string, number[]>,
  added: boolean[],
  now: number,
  withReport: boolean,
): Promise<void> {
  const replies = await ctx.rt(() => sendGroups(ctx, requests, groups, now, withReport));
  applyGroups(ctx, groups, replies, added);
}
