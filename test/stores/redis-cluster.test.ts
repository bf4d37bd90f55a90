/**
 * The Redis store on a 3-master Redis Cluster started by the test on free loopback ports:
 * the whole conformance suite through ioredis Cluster, which proves that no script touches
 * two slots (Redis refuses such a script with CROSSSLOT).
 */
import { after, before } from 'node:test';
import { RedisStore } from '../../src/stores/redis/redis-store.ts';
import { runStoreConformance } from './conformance.ts';
import { type OwnCluster, startRedisCluster, uniqueCrawl } from './redis-helpers.ts';

let cluster: OwnCluster | undefined;
let url = '';

before(async () => {
  cluster = await startRedisCluster(3);
  url = cluster.url;
});

after(async () => {
  await cluster?.destroy();
});

runStoreConformance('redis (3-master cluster)', {
  async create(options) {
    return new RedisStore({ ...options, url, crawl: uniqueCrawl('cluster'), log: () => {} });
  },
  async reopen(previous) {
    const p = previous as RedisStore;
    return new RedisStore({ hostPolicy: { concurrency: 2, delayMs: 0 }, maxDeliveries: 3, url, crawl: p.keys.crawl, log: () => {} });
  },
  async destroy(store) {
    for (const node of cluster!.admin.nodes('master')) {
      for (const pattern of (store as RedisStore).keys.patterns()) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) await node.unlink(key);
        } while (cursor !== '0');
      }
    }
  },
});
