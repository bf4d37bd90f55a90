/**
 * The fleet on a 3-master Redis Cluster started by the test on free loopback ports: two worker
 * processes crawl a 500-page, 8-host site through `redis+cluster://`; every page is fetched
 * exactly once, both exit 0, and the export (through the cluster too) holds every item once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/crawl-helpers.ts';
import { type OwnCluster, startRedisCluster, uniqueCrawl } from '../stores/redis-helpers.ts';
import { type FleetSite, startFleetSite } from './helpers/fleet-site.ts';
import { deleteFleetCrawl, exportItems, itemCounts, notExactlyOnce, startWorkers, stopAll, type Worker, waitAllOrStall } from './helpers/fleet-workers.ts';

describe('fleet: a 3-master Redis Cluster', () => {
  let site: FleetSite;
  let cluster: OwnCluster | undefined;
  let url = '';
  let workers: Worker[] = [];
  const tmp = tempDir('sf-fleet-cluster-');
  const crawl = uniqueCrawl('fleetcluster');

  before(async () => {
    site = await startFleetSite({ pages: 500, hosts: 8 });
    cluster = await startRedisCluster(3);
    url = cluster.url;
  });

  after(async () => {
    stopAll(workers);
    if (cluster) {
      await deleteFleetCrawl(cluster.admin, crawl).catch(() => {});
      await cluster.destroy();
    }
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
      cluster!.admin.nodes('master').map(async (node) => (await node.scan('0', 'MATCH', `sf:{${crawl}*`, 'COUNT', 10_000))[1].length > 0),
    );
    assert.ok(withKeys.filter(Boolean).length >= 2, `masters holding crawl keys: ${withKeys.filter(Boolean).length}`);
  });
});
