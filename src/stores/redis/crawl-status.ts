/**
 * Progress of a whole fleet crawl, read from the crawl-level index in Redis without joining
 * the crawl (no seeding claim, no leases): what `superfilter status --redis` shows.
 *
 * The index lags the hosts by at most each worker's last unsent reports (about 100 ms), and
 * by a dead worker's last reports until its leases expire.
 */
import type { Cluster, Redis } from 'ioredis';
import type { FrontierStats, HostStats } from '../../contracts.ts';
import { parseHostStats, toStats } from './crawl-index.ts';
import { createRedisClient, type RedisLog, stderrLog, withConnectionFailure } from './redis-connection.ts';
import { RedisKeys } from './redis-keys.ts';

/** The state of one crawl. */
export interface RedisCrawlStatus {
  crawl: string;
  /** False when Redis holds no such crawl. */
  exists: boolean;
  /** True once the first worker finished seeding. */
  seeded: boolean;
  /** Epoch ms the crawl was created, or null. */
  createdAt: number | null;
  stats: FrontierStats;
  /** Hosts known to the crawl (with or without work left). */
  hostCount: number;
  /** Hosts with work left, largest queue first. */
  topHosts: HostStats[];
}

/** Options of a status read. */
export interface RedisCrawlStatusOptions {
  client?: Redis | Cluster;
  prefix?: string;
  /** Hosts to list (default 10). */
  top?: number;
  log?: RedisLog;
}

/** Reads the progress of crawl `crawl` on the Redis at `url`. */
export async function redisCrawlStatus(url: string, crawl: string, options: RedisCrawlStatusOptions = {}): Promise<RedisCrawlStatus> {
  const keys = new RedisKeys(options.prefix ?? 'sf', crawl);
  const client = options.client ?? createRedisClient(url, options.log ?? stderrLog);
  try {
    const [meta, totals, hosts] = await withConnectionFailure(client, () =>
      Promise.all([
        client.hgetall(keys.meta),
        client.hmget(keys.index[1], 'pending', 'leased', 'done', 'failed', 'retired', 'seen', 'items'),
        client.hgetall(keys.index[0]),
      ]),
    );
    return {
      crawl,
      exists: meta.version !== undefined,
      seeded: meta.seeded === '1',
      createdAt: meta.created ? Number(meta.created) : null,
      stats: toStats(totals),
      hostCount: Object.keys(hosts).filter((h) => h !== '').length,
      topHosts: parseHostStats(hosts, options.top ?? 10),
    };
  } finally {
    if (!options.client) await client.quit().catch(() => client.disconnect());
  }
}

/** A few human lines describing a crawl status. */
export function formatCrawlStatus(s: RedisCrawlStatus): string {
  if (!s.exists) return `crawl "${s.crawl}": not found`;
  const t = s.stats;
  const lines = [
    `crawl "${s.crawl}"${s.seeded ? '' : ' (seeding)'}: ${t.done} done, ${t.failed} failed, ${t.retired} retired, ${t.pending} pending, ${t.leased} in flight`,
    `seen ${t.seen} requests, ${t.items} items, ${s.hostCount} hosts`,
  ];
  for (const h of s.topHosts) lines.push(`  ${h.host}: ${h.pending} pending, ${h.leased} in flight`);
  return lines.join('\n');
}
