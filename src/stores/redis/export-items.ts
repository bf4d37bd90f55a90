/**
 * Drains the items of a Redis crawl to a JSONL file: every host's item stream, oldest first.
 *
 * Exactly once: items are written to the streams only by the ack script of a page, which runs
 * once per page (a lease can be acked once; a retried ack is recognised by its token). The
 * export writes the whole file under a temporary name and renames it, so a crashed export
 * leaves no half file; with `trim` the exported entries are deleted only after the file is
 * synced, so a crash between the two exports them again next time, never loses them.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, type RedisLog, stderrLog, withConnectionFailure } from './redis-connection.ts';
import { RedisKeys } from './redis-keys.ts';

/** Options of an export. */
export interface ExportItemsOptions {
  /** Redis URL (ignored when `client` is given). */
  url?: string;
  client?: Redis | Cluster;
  crawl: string;
  prefix?: string;
  /** The JSONL file to write. */
  output: string;
  /** Delete the exported entries from Redis after the file is synced. */
  trim?: boolean;
  log?: RedisLog;
}

/** What an export wrote. */
export interface ExportItemsResult {
  items: number;
  hosts: number;
}

const PAGE = 1000;

/** Next stream id after `id` ("ms-seq"). */
function after(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}

/** Writes every item of the crawl to `output` (JSON Lines). */
export async function exportRedisItems(options: ExportItemsOptions): Promise<ExportItemsResult> {
  const keys = new RedisKeys(options.prefix ?? 'sf', options.crawl);
  const client = options.client ?? createRedisClient(options.url ?? 'redis://127.0.0.1:6379', options.log ?? stderrLog);
  const tmp = `${options.output}.part-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const lastIds = new Map<string, string>();
  let items = 0;
  try {
    // Reading the index is the first command: a client closed for good fails here, with its reason.
    const hosts = (await withConnectionFailure(client, () => client.hkeys(keys.index[0]))).sort();
    for (const host of hosts) {
      const stream = keys.items(host);
      let start = '-';
      for (;;) {
        const entries = await client.xrange(stream, start, '+', 'COUNT', PAGE);
        if (entries.length === 0) break;
        const lines: string[] = [];
        for (const [, fields] of entries) {
          for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'j') lines.push(fields[i + 1]);
        }
        if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
        items += lines.length;
        const last = entries[entries.length - 1][0];
        lastIds.set(stream, last);
        if (entries.length < PAGE) break;
        start = after(last);
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, options.output);
    if (options.trim) {
      for (const [stream, last] of lastIds) await client.xtrim(stream, 'MINID', after(last));
    }
    return { items, hosts: hosts.length };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already closed after a successful write
    }
    if (!options.client) await client.quit().catch(() => client.disconnect());
  }
}
