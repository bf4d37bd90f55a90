/**
 * The Redis store against the shared server (127.0.0.1:6379): the conformance suite, then
 * what only a shared store does: two workers on one crawl, seeding claims, idempotent commits,
 * the items stream, and password authentication on a server of the test's own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { StoreOptions } from '../../src/contracts.ts';
import { formatCrawlStatus, redisCrawlStatus } from '../../src/stores/redis/crawl-status.ts';
import { exportRedisItems } from '../../src/stores/redis/export-items.ts';
import { RedisStore } from '../../src/stores/redis/redis-store.ts';
import { CONFORMANCE_OPTIONS, makeRequest, runStoreConformance, T0 } from './conformance.ts';
import { deleteCrawl, SHARED_REDIS_URL, startRedis, uniqueCrawl } from './redis-helpers.ts';

const admin = new Redis(SHARED_REDIS_URL);
after(() => admin.quit());
const quiet = () => {};

function makeStore(crawl: string, options: StoreOptions = CONFORMANCE_OPTIONS, url = SHARED_REDIS_URL): RedisStore {
  return new RedisStore({ ...options, url, crawl, log: quiet });
}

runStoreConformance('redis', {
  async create(options) {
    return makeStore(uniqueCrawl('conf'), options);
  },
  async reopen(previous) {
    return makeStore((previous as RedisStore).keys.crawl);
  },
  async destroy(store) {
    await deleteCrawl(admin, (store as RedisStore).keys);
  },
});

describe('redis store: fleet behaviour', () => {
  const withCrawl = async (fn: (crawl: string) => Promise<void>) => {
    const crawl = uniqueCrawl('fleet');
    try {
      await fn(crawl);
    } finally {
      await deleteCrawl(admin, makeStore(crawl).keys);
    }
  };

  it('lets exactly one of several joining workers seed, and the others wait for it', () =>
    withCrawl(async (crawl) => {
      const workers = [makeStore(crawl), makeStore(crawl), makeStore(crawl)];
      const infos = await Promise.all(workers.map((w) => w.open()));
      assert.equal(infos.filter((i) => !i.resumed).length, 1, 'one seeder');
      const seeder = workers[infos.findIndex((i) => !i.resumed)];
      const joiner = workers.find((w) => w !== seeder)!;
      assert.equal(await joiner.isFinished(), false, 'a joiner does not finish while seeding runs');
      await seeder.enqueue([makeRequest('https://seed.test/')]);
      const [lease] = (await joiner.lease({ max: 5, now: T0, leaseMs: 10_000 })).leases;
      assert.equal(lease.request.url, 'https://seed.test/');
      await joiner.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: ['{"n":1}'] });
      assert.equal(await joiner.isFinished(), false, 'seeding ends with the seeder\'s first lease');
      assert.equal((await seeder.lease({ max: 5, now: T0 + 1, leaseMs: 10_000 })).leases.length, 0);
      // Each worker sends its waiting reports within ~100 ms or with its next call; send them now.
      for (const w of workers) await w.stats();
      for (const w of workers) assert.equal(await w.isFinished(), true);
      const late = makeStore(crawl);
      assert.equal((await late.open()).resumed, true);
      assert.equal((await late.stats()).items, 1);
      await Promise.all([...workers, late].map((w) => w.close()));
    }));

  it('never hands one request to two workers, and each page commits once', () =>
    withCrawl(async (crawl) => {
      const options = { ...CONFORMANCE_OPTIONS, hostPolicy: { concurrency: 4, delayMs: 0 } };
      const workers = [makeStore(crawl, options), makeStore(crawl, options), makeStore(crawl, options)];
      for (const w of workers) await w.open();
      const hosts = ['a.test', 'b.test', 'c.test', 'd.test', 'e.test'];
      const page = (i: number) => makeRequest(`https://${hosts[i % hosts.length]}/p/${i}`);
      await workers[0].enqueue([page(0), page(1), page(2)]);
      const leased: string[] = [];
      let now = T0;
      const run = async (w: RedisStore) => {
        for (let round = 0; round < 400; round++) {
          const batch = await w.lease({ max: 3, now: now++, leaseMs: 60_000 });
          if (batch.leases.length === 0 && (await w.isFinished())) return;
          for (const l of batch.leases) {
            leased.push(l.request.id);
            const i = Number(l.request.url.split('/').pop());
            const kids = [i * 3 + 1, i * 3 + 2, i * 3 + 3, (i * 13) % 200].filter((k) => k < 200).map(page);
            await w.commit({ id: l.request.id, result: { kind: 'done' }, children: kids, items: [JSON.stringify({ i })] });
          }
        }
      };
      await Promise.all(workers.map(run));
      assert.equal(leased.length, 200);
      assert.equal(new Set(leased).size, 200);
      const stats = await workers[1].stats();
      assert.deepEqual({ done: stats.done, items: stats.items, seen: stats.seen, pending: stats.pending, leased: stats.leased }, { done: 200, items: 200, seen: 200, pending: 0, leased: 0 });
      for (const w of workers) await w.close();
    }));

  it('answers a retried commit of the same lease without applying it twice', () =>
    withCrawl(async (crawl) => {
      const store = makeStore(crawl);
      await store.open();
      await store.enqueue([makeRequest('https://retry.test/')]);
      const [lease] = (await store.lease({ max: 1, now: T0, leaseMs: 10_000 })).leases;
      const held = (store as unknown as { held: Map<string, unknown> }).held;
      const token = held.get(lease.request.id);
      await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: ['{"once":true}'] });
      held.set(lease.request.id, token);
      await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: [], items: ['{"once":true}'] });
      const stats = await store.stats();
      assert.equal(stats.done, 1);
      assert.equal(stats.items, 1);
      assert.equal(await admin.xlen(store.keys.items('retry.test')), 1);
      await store.close();
    }));

  it('commits a page whose links span other hosts in one round trip, children queued and ack applied', () =>
    withCrawl(async (crawl) => {
      const store = makeStore(crawl);
      await store.open();
      await store.enqueue([makeRequest('https://home.test/')]);
      const [lease] = (await store.lease({ max: 1, now: T0, leaseMs: 10_000 })).leases;
      const children = [
        makeRequest('https://home.test/a'),
        makeRequest('https://other1.test/b'),
        makeRequest('https://other2.test/c'),
        makeRequest('https://other2.test/d'),
        makeRequest('https://home.test/'),
      ];
      const before = store.roundTrips;
      const result = await store.commit({ id: lease.request.id, result: { kind: 'done' }, children, items: ['{"n":1}'] });
      assert.equal(store.roundTrips - before, 1, 'pushes, report and ack sent together');
      assert.deepEqual(result.added, [true, true, true, true, false]);
      const stats = await store.stats();
      assert.equal(stats.done, 1);
      assert.equal(stats.pending, 4);
      const hosts = new Set((await store.lease({ max: 10, now: T0 + 1, leaseMs: 10_000 })).leases.map((l) => l.request.host));
      assert.deepEqual([...hosts].sort(), ['home.test', 'other1.test', 'other2.test']);
      await store.close();
    }));

  it('keeps the seen set in small listpack buckets as it grows', () =>
    withCrawl(async (crawl) => {
      const store = makeStore(crawl);
      await store.open();
      const fps = Array.from({ length: 3000 }, (_, i) => {
        const b = Buffer.alloc(20);
        b.writeUInt32BE((i * 2654435761) >>> 0, 0);
        b.writeUInt32BE(i, 4);
        return new Uint8Array(b);
      });
      const first = await store.seen.addMany(fps);
      assert.equal(first.filter(Boolean).length, 3000);
      const again = await store.seen.addMany(fps.slice(0, 1500));
      assert.equal(again.filter(Boolean).length, 0, 'every fingerprint found again after bucket splits');
      const near = fps.map((fp) => {
        const c = new Uint8Array(fp);
        c[9] ^= 1;
        return c;
      });
      assert.equal((await store.seen.addMany(near)).filter(Boolean).length, 3000, 'bit 79 counts');
      const buckets: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${store.keys.hostBase('')}s:*`, 'COUNT', 1000);
        cursor = next;
        buckets.push(...keys);
      } while (cursor !== '0');
      assert.ok(buckets.length >= 6000 / 160 / 2, `${buckets.length} buckets`);
      for (const key of buckets.slice(0, 20)) assert.equal(await admin.object('ENCODING', key), 'listpack');
      assert.equal((await store.stats()).seen, 6000);
      await store.close();
    }));

  it('exports every item once (and trims), and reports the fleet status', () =>
    withCrawl(async (crawl) => {
      const store = makeStore(crawl, { ...CONFORMANCE_OPTIONS, hostPolicy: { concurrency: 10, delayMs: 0 } });
      await store.open();
      const reqs = ['e1.test', 'e2.test'].flatMap((h) => [0, 1, 2].map((i) => makeRequest(`https://${h}/${i}`)));
      await store.enqueue(reqs);
      for (const l of (await store.lease({ max: 10, now: T0, leaseMs: 10_000 })).leases) {
        await store.commit({ id: l.request.id, result: { kind: 'done' }, children: [], items: [JSON.stringify({ url: l.request.url }), '{"extra":true}'] });
      }
      await store.stats(); // sends this worker's waiting reports, as its next lease would
      const status = await redisCrawlStatus(SHARED_REDIS_URL, crawl, { log: quiet });
      assert.equal(status.exists, true);
      assert.equal(status.stats.done, 6);
      assert.equal(status.stats.items, 12);
      assert.match(formatCrawlStatus(status), /6 done/);
      const dir = mkdtempSync(join(tmpdir(), 'sf-export-'));
      try {
        const out = join(dir, 'items.jsonl');
        assert.deepEqual(await exportRedisItems({ url: SHARED_REDIS_URL, crawl, output: out, log: quiet }), { items: 12, hosts: 2 });
        const lines = readFileSync(out, 'utf8').trim().split('\n');
        assert.equal(lines.length, 12);
        assert.deepEqual(new Set(lines.filter((l) => l.includes('url')).map((l) => JSON.parse(l).url)), new Set(reqs.map((r) => r.url)));
        assert.equal((await exportRedisItems({ url: SHARED_REDIS_URL, crawl, output: out, trim: true, log: quiet })).items, 12, 'a plain export only reads');
        assert.equal((await exportRedisItems({ url: SHARED_REDIS_URL, crawl, output: out, log: quiet })).items, 0, 'trimmed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      assert.equal((await redisCrawlStatus(SHARED_REDIS_URL, 'no-such-crawl-here', { log: quiet })).exists, false);
      await store.close();
    }));

  it('authenticates with a password (redis-server --requirepass)', async () => {
    const own = await startRedis([], { password: 's3cret pass' });
    try {
      const store = makeStore(uniqueCrawl('auth'), CONFORMANCE_OPTIONS, own.url);
      await store.open();
      assert.deepEqual(await store.enqueue([makeRequest('https://auth.test/')]), [true]);
      assert.equal((await store.stats()).pending, 1);
      await store.close();
      const wrong = new RedisStore({ ...CONFORMANCE_OPTIONS, url: `redis://:nope@127.0.0.1:${own.port}`, crawl: 'x', log: quiet });
      await assert.rejects(Promise.race([wrong.open(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]));
      await wrong.close();
    } finally {
      await own.destroy();
    }
  });
});
