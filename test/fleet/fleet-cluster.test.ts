/**
 * The fleet on a 3-master Redis Cluster started by the test on free loopback ports: two worker
 * processes crawl a 500-page, 8-host site through `redis+cluster://`; every page is fetched
 * exactly once, both exit 0, and the export (through the cluster too) holds every item once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { tempDir } from '../helpers/crawl-helpers.ts';
import { type OwnRedis, startRedis, uniqueCrawl } from '../stores/redis-helpers.ts';
import { type FleetSite, startFleetSite } from './helpers/fleet-site.ts';
import { deleteFleetCrawl, exportItems, itemCounts, notExactlyOnce, startWorkers, stopAll, type Worker, waitAllOrStall } from './helpers/fleet-workers.ts';

describe('fleet: a 3-master Redis Cluster', () => {
  let site: FleetSite;
  const servers: OwnRedis[] = [];
  let url = '';
  let admin: Cluster | undefined;
  let workers: Worker[] = [];
  const tmp = tempDir('sf-fleet-cluster-');
  const crawl = uniqueCrawl('fleetcluster');

  before(async () => {
    site = await startFleetSite({ pages: 500, hosts: 8 });
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
    stopAll(workers);
    if (admin) {
      await deleteFleetCrawl(admin, crawl).catch(() => {});
      await admin.quit();
    }
    for (const s of servers) await s.destroy();
    await site.close();
    tmp.cleanup();
  });

  it('completes the crawl with 2 workers: pages once, items once, keys on 2+ masters', { timeout: 120_000 }, async () => {
    workers = startWorkers({ count: 2, site, redis: url, crawl, dir: tmp.dir, args: ['--concurrency', '16'] });
    const { exits, stalled } = await waitAllOrStall(workers, site);
    assert.deepEqual(stalled, [], 'workers still running 15 s after the last request to the site');
    for (const [i, e] of exits.entries()) assert.equal(e.code, 0, `worker ${i} exited ${e.code}: ${e.stderr}`);

    const bad = notExactlyOnce(site.expected, site.counts());
    assert.deepEqual(bad.slice(0, 20), [], `${bad.length} URLs not fetched exactly once`);

    const items = await exportItems(url, crawl, tmp.dir);
    const badItems = notExactlyOnce(site.expected, itemCounts(items));
    assert.deepEqual(badItems.slice(0, 20), [], `${badItems.length} pages without exactly one item`);

    // The crawl really spread: at least two masters hold keys of it.
    const withKeys = await Promise.all(
      admin!.nodes('master').map(async (node) => (await node.scan('0', 'MATCH', `sf:{${crawl}*`, 'COUNT', 10_000))[1].length > 0),
    );
    assert.ok(withKeys.filter(Boolean).length >= 2, `masters holding crawl keys: ${withKeys.filter(Boolean).length}`);
  });
});
