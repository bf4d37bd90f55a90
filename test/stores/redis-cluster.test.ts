/**
 * The Redis store on a 3-master Redis Cluster started by the test on free loopback ports:
 * the whole conformance suite through ioredis Cluster, which proves that no script touches
 * two slots (Redis refuses such a script with CROSSSLOT).
 */
import { spawnSync } from 'node:child_process';
import { after, before } from 'node:test';
import { Cluster } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/redis-store.ts';
import { runStoreConformance } from './conformance.ts';
import { type OwnRedis, startRedis, uniqueCrawl } from './redis-helpers.ts';

const servers: OwnRedis[] = [];
let url = '';
let admin: Cluster | undefined;

before(async () => {
  for (let i = 0; i < 3; i++) {
    servers.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--appendonly', 'no']));
  }
  const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`cluster create failed: ${created.stdout}${created.stderr}`);
  for (const s of servers) {
    for (let i = 0; ; i++) {
      const info = spawnSync('redis-cli', ['-p', String(s.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (info.includes('cluster_state:ok')) break;
      if (i > 200) throw new Error('cluster did not become ok');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  url = `redis+cluster://${nodes.join(',')}`;
  admin = new Cluster(servers.map((s) => ({ host: '127.0.0.1', port: s.port })));
});

after(async () => {
  await admin?.quit();
  for (const s of servers) await s.destroy();
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
    for (const node of admin!.nodes('master')) {
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
