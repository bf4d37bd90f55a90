/**
 * How requests travel to the host scripts (host-push, host-ack): the argument encoding, the
 * split of a batch by host, and the host check that comes before any of it.
 *
 * Invariants:
 * - a request's fingerprint is sent as its first 10 bytes (20 hex digits), the width of the
 *   seen set's entries, so the scripts and RedisSeenFilter test the same bits; a dontFilter
 *   request sends '' and is pushed without a seen test;
 * - the queue score puts a higher priority first whatever the depth (depth is capped below
 *   2^20, the priority step), then the shallower request;
 * - a host with braces or whitespace is refused before anything is sent: it would end the
 *   hash tag `{crawl|host}` early and move the host's keys to another slot.
 */
import type { QueuedRequest } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { isTaggableHost } from './redis-keys.ts';

/** Score of a request in its host queue: higher priority first, then lower depth. */
export function queueScore(r: QueuedRequest): string {
  return String(-r.priority * 1_048_576 + Math.min(Math.max(0, Math.floor(r.depth)), 1_048_575));
}

/** Script arguments of requests: (fp | '', id, score, json) each. */
export function requestArgs(requests: readonly QueuedRequest[]): string[] {
  const out: string[] = [];
  for (const r of requests) out.push(r.dontFilter ? '' : r.fingerprint.slice(0, 20), r.id, queueScore(r), JSON.stringify(r));
  return out;
}

/** Indexes of `items` per host, hosts in order of first appearance (one script run each). */
export function groupByHost<T extends { host: string }>(items: readonly T[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const g = groups.get(item.host);
    if (g) g.push(i);
    else groups.set(item.host, [i]);
  });
  return groups;
}

/** Throws SF_STORE_INVALID_REQUEST for the first request whose host cannot sit in a hash tag. */
export function checkHosts(requests: readonly QueuedRequest[]): void {
  for (const r of requests) {
    if (!isTaggableHost(r.host)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `invalid request ${r.id}: host may not hold braces or spaces`, { details: { id: r.id } });
    }
  }
}
