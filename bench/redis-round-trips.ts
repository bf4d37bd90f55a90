/**
 * Redis round trips per crawled page: W simulated workers (one RedisStore each) crawl a
 * synthetic site of P pages over H hosts through the store alone (no HTTP), the way the
 * engine drives a store: lease in batches, one commit per page (children on this and other
 * hosts, one item), an expiry sweep per second, isFinished when idle. A group of concurrent
 * commands counts as one round trip.
 *
 * Usage: node --import tsx bench/redis-round-trips.ts [--pages 3000] [--hosts 50] [--workers 4]
 *        [--batch 8] [--cross 0.5] [--redis redis://127.0.0.1:6379]
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { QueuedRequest } from '../src/contracts.ts';
import { RedisStore } from '../src/stores/redis/redis-store.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const PAGES = Number(arg('pages', '3000'));
const HOSTS = Number(arg('hosts', '50'));
const WORKERS = Number(arg('workers', '4'));
const BATCH = Number(arg('batch', '8'));
const CROSS = Number(arg('cross', '0.5'));
const URL_ = arg('redis', 'redis://127.0.0.1:6379');
const crawl = `bench-rt-${process.pid}-${Date.now().toString(36)}`;

const hex = (i: number) => createHash('sha1').update(`page-${i}`).digest('hex');
const host = (i: number) => `h${i % HOSTS}.test`;
function page(i: number, depth: number): QueuedRequest {
  return { id: hex(i), fingerprint: hex(i), host: host(i), url: `https://${host(i)}/p/${i}`, method: 'GET', priority: 0, depth };
}
/** Children of page i: five links, a share of them to other hosts, some already seen. */
function children(i: number, depth: number): QueuedRequest[] {
  const out: QueuedRequest[] = [];
  for (let k = 1; k <= 5; k++) {
    let j = (i * 5 + k) % PAGES;
    if ((i * 7 + k) % 100 >= CROSS * 100) j = j - (j % HOSTS) + (i % HOSTS); // same host as i
    out.push(page(j % PAGES, depth + 1));
  }
  return out;
}

const workers = Array.from({ length: WORKERS }, () => new RedisStore({ hostPolicy: { concurrency: 4, delayMs: 0 }, maxDeliveries: 5, url: URL_, crawl, log: () => {} }));
for (const w of workers) await w.open();
const started = Date.now();
await workers[0].enqueue(Array.from({ length: HOSTS }, (_, i) => page(i, 0)));
let pages = 0;
const done = new Set<string>();
async function run(w: RedisStore): Promise<void> {
  let lastSweep = 0;
  for (;;) {
    const now = Date.now();
    if (now - lastSweep > 1000) {
      lastSweep = now;
      await w.expireLeases(now);
    }
    const batch = await w.lease({ max: BATCH, now, leaseMs: 60_000 });
    if (batch.leases.length === 0) {
      if (await w.isFinished()) return;
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    await Promise.all(
      batch.leases.map(async (l) => {
        const i = Number(l.request.url.split('/').pop());
        await w.commit({ id: l.request.id, result: { kind: 'done' }, children: children(i, l.request.depth), items: [JSON.stringify({ i })] });
        pages++;
        done.add(l.request.id);
      }),
    );
  }
}
await Promise.all(workers.map(run));
const seconds = (Date.now() - started) / 1000;
const trips = workers.reduce((s, w) => s + w.roundTrips, 0);
const stats = await workers[0].stats();
for (const w of workers) await w.close();
const admin = new Redis(URL_);
for (const pattern of workers[0].keys.patterns()) {
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await admin.unlink(...found);
  } while (cursor !== '0');
}
admin.disconnect();
console.log('| workers | pages | hosts | cross-host links | lease batch | round trips | per page | pages/s |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(`| ${WORKERS} | ${pages} | ${HOSTS} | ${CROSS * 100}% | ${BATCH} | ${trips} | ${(trips / pages).toFixed(2)} | ${Math.round(pages / seconds)} |`);
console.log(JSON.stringify({ bench: 'redis-round-trips', workers: WORKERS, pages, distinct: done.size, done: stats.done, hosts: HOSTS, cross: CROSS, batch: BATCH, roundTrips: trips, perPage: Number((trips / pages).toFixed(3)), seconds }));
