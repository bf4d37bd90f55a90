/**
 * The Redis store across a Redis crash: a server of the test's own with AOF (fsync always) is
 * SIGKILLed and restarted in the middle of a crawl. The worker waits, reconnects, retries,
 * and the crawl completes with every page committed exactly once and no item lost or doubled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/redis-store.ts';
import { makeRequest, T0 } from './conformance.ts';
import { startRedis, uniqueCrawl } from './redis-helpers.ts';

describe('redis store: Redis restart with AOF mid-crawl', () => {
  it('loses nothing committed and completes the crawl', async () => {
    const own = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const lines: string[] = [];
    const store = new RedisStore({
      hostPolicy: { concurrency: 4, delayMs: 0 },
      maxDeliveries: 10,
      url: own.url,
      crawl: uniqueCrawl('aof'),
      log: (_level, message) => lines.push(message),
    });
    try {
      await store.open();
      const hosts = ['x.test', 'y.test', 'z.test'];
      const N = 150;
      const page = (i: number) => makeRequest(`https://${hosts[i % 3]}/p/${i}`);
      await store.enqueue([page(0)]);
      let now = T0;
      let commits = 0;
      let killed = false;
      for (let round = 0; round < 3000; round++) {
        now += 100;
        await store.expireLeases(now);
        const batch = await store.lease({ max: 6, now, leaseMs: 3000 });
        if (batch.leases.length === 0 && (await store.isFinished())) break;
        await Promise.all(
          batch.leases.map(async (l) => {
            const i = Number(l.request.url.split('/').pop());
            const kids = [i * 2 + 1, i * 2 + 2].filter((k) => k < N).map(page);
            try {
              await store.commit({ id: l.request.id, result: { kind: 'done' }, children: kids, items: [JSON.stringify({ i })] });
            } catch (error) {
              // A lease may have expired while Redis was down: another delivery commits it.
              if ((error as { code?: string }).code !== 'SF_STORE_UNKNOWN_LEASE') throw error;
            }
            commits++;
          }),
        );
        if (!killed && commits >= 40) {
          killed = true;
          await own.stop(true);
          setTimeout(() => void own.restart(), 300);
        }
      }
      assert.ok(killed);
      const stats = await store.stats();
      assert.equal(stats.done, N);
      assert.equal(stats.items, N);
      assert.equal(stats.pending + stats.leased, 0);
      const check = new Redis(own.url);
      const pages = new Set<string>();
      let entries = 0;
      for (const host of hosts) {
        for (const [, fields] of await check.xrange(store.keys.items(host), '-', '+')) {
          entries++;
          pages.add(fields[1]);
        }
      }
      check.disconnect();
      assert.equal(entries, N, 'one item per page');
      assert.equal(pages.size, N, 'from distinct pages');
      assert.ok(lines.some((l) => /connection lost; reconnecting/.test(l)), `logged the outage: ${lines.join(' | ')}`);
    } finally {
      await store.close();
      await own.destroy();
    }
  });
});
