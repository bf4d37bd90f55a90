/**
 * Fleet test plumbing: worker processes of `superfilter crawl --store redis` on a fleet site,
 * the `superfilter export` of their items, the exactly-once checks, and deleting a crawl's
 * keys from a standalone server or from every master of a cluster.
 *
 * Invariants: every worker is a real child process with its own User-Agent (`fleet-worker-i`)
 * so the site's log tells who fetched what; `stopAll` kills whatever is still running.
 */
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { RedisKeys } from '../../../src/stores/redis/redis-keys.ts';
import { cli, type Run } from '../../helpers/cli-process.ts';
import { readJsonLines } from '../../helpers/crawl-helpers.ts';
import { deleteCrawl } from '../../stores/redis-helpers.ts';
import type { FleetSite } from './fleet-site.ts';

/** Options of {@link startWorkers}. */
export interface WorkerOptions {
  count: number;
  site: FleetSite;
  redis: string;
  crawl: string;
  /** Temp dir for stats files. */
  dir: string;
  /** Extra crawl flags for every worker. */
  args?: string[];
  /** Index of the first worker (names and UA), default 0. */
  first?: number;
}

/** A started worker. */
export interface Worker {
  index: number;
  ua: string;
  statsFile: string;
  run: Run;
}

/** The crawl flags every fleet worker gets. */
export function workerArgs(o: WorkerOptions, index: number): string[] {
  return [
    'crawl',
    o.site.startUrl,
    '--store',
    'redis',
    '--redis',
    o.redis,
    '--crawl',
    o.crawl,
    '--scope',
    'any',
    '--no-progress',
    '--log-level',
    'warn',
    '--user-agent',
    `fleet-worker-${index}`,
    '--stats-json',
    join(o.dir, `stats-${index}.json`),
    ...o.site.resolveArgs(),
    ...(o.args ?? []),
  ];
}

/** Starts `count` worker processes on one crawl. */
export function startWorkers(o: WorkerOptions): Worker[] {
  const workers: Worker[] = [];
  for (let k = 0; k < o.count; k++) {
    const index = (o.first ?? 0) + k;
    workers.push({ index, ua: `fleet-worker-${index}`, statsFile: join(o.dir, `stats-${index}.json`), run: cli(workerArgs(o, index)) });
  }
  return workers;
}

/** Waits for every worker; returns their exits. */
export async function waitAll(workers: Worker[]) {
  return Promise.all(workers.map((w) => w.run.done));
}

/**
 * Waits for every worker, but gives up when the site has seen no request for `quietMs` while
 * some worker still runs: a worker must exit soon after the crawl's last page, not at some
 * lease expiry. Stalled workers are killed; the result names them.
 */
export async function waitAllOrStall(workers: Worker[], site: FleetSite, quietMs = 15_000) {
  let stalled: number[] = [];
  const since = Date.now();
  const running = () => workers.filter((w) => w.run.child.exitCode === null && w.run.child.signalCode === null);
  const watch = setInterval(() => {
    const last = site.log.length > 0 ? site.log[site.log.length - 1].at : 0;
    if (running().length > 0 && last > 0 && Date.now() - last > quietMs) {
      stalled = running().map((w) => w.index);
      stopAll(workers);
    }
  }, 250);
  try {
    const exits = await waitAll(workers);
    // Named with how long the crawl ran and the tail of each stalled worker's log, for the report.
    const named = stalled.map((i) => {
      const k = workers.findIndex((w) => w.index === i);
      return `worker ${i} (${Math.round((Date.now() - since) / 1000)} s, ${site.log.length} requests): ${exits[k]?.stderr.slice(-600) ?? ''}`;
    });
    return { exits, stalled: named };
  } finally {
    clearInterval(watch);
  }
}

/** SIGKILLs every worker still running. */
export function stopAll(workers: Worker[]): void {
  for (const w of workers) if (w.run.child.exitCode === null && w.run.child.signalCode === null) w.run.child.kill('SIGKILL');
}

/** Runs `superfilter export` and returns the items it wrote. */
export async function exportItems(redis: string, crawl: string, dir: string): Promise<Record<string, unknown>[]> {
  const output = join(dir, `items-${crawl}.jsonl`);
  const r = await cli(['export', '--redis', redis, '--crawl', crawl, '-o', output]).done;
  if (r.code !== 0) throw new Error(`export exited ${r.code}: ${r.stderr}`);
  return readJsonLines(output);
}

/** Items per URL (the generic spider writes `{ url, status, title, depth }` per page). */
export function itemCounts(items: Record<string, unknown>[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const item of items) m.set(String(item.url), (m.get(String(item.url)) ?? 0) + 1);
  return m;
}

/** URLs of `expected` whose count in `counts` is not exactly one, with their counts. */
export function notExactlyOnce(expected: readonly string[], counts: ReadonlyMap<string, number>): string[] {
  const bad: string[] = [];
  for (const u of expected) if (counts.get(u) !== 1) bad.push(`${u} x${counts.get(u) ?? 0}`);
  const known = new Set(expected);
  for (const [u, c] of counts) if (!known.has(u)) bad.push(`unexpected ${u} x${c}`);
  return bad;
}

/** Deletes a crawl's keys: from one server, or from every master of a cluster. */
export async function deleteFleetCrawl(client: Redis | Cluster, crawl: string): Promise<void> {
  const keys = new RedisKeys('sf', crawl);
  if (client instanceof Cluster) {
    for (const node of client.nodes('master')) await deleteCrawl(node, keys);
  } else await deleteCrawl(client, keys);
}

/** Opens an admin connection that fails fast instead of queueing. */
export function adminClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return client;
}
