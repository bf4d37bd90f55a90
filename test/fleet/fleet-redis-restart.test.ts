/**
 * Redis dies (SIGKILL) and comes back mid-crawl: a redis-server of the test's own with
 * `--appendonly yes --appendfsync always`, three worker processes. The workers wait out the
 * outage (and say so), the crawl completes with exit 0 everywhere, every page is fetched, and
 * the export holds every page's item exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/crawl-helpers.ts';
import { type OwnRedis, startRedis, uniqueCrawl } from '../stores/redis-helpers.ts';
import { type FleetSite, startFleetSite } from './helpers/fleet-site.ts';
import { exportItems, itemCounts, notExactlyOnce, startWorkers, stopAll, type Worker, waitAllOrStall } from './helpers/fleet-workers.ts';

describe('fleet: Redis restarted mid-crawl (AOF, appendfsync always)', () => {
  let site: FleetSite;
  let redis: OwnRedis;
  let workers: Worker[] = [];
  const tmp = tempDir('sf-fleet-restart-');
  const crawl = uniqueCrawl('fleetrestart');

  before(async () => {
    site = await startFleetSite({ pages: 600, hosts: 4 });
    redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  });

  after(async () => {
    stopAll(workers);
    await redis?.destroy();
    await site.close();
    tmp.cleanup();
  });

  it('continues after the restart and completes; nothing lost, items once', { timeout: 120_000 }, async () => {
    workers = startWorkers({ count: 3, site, redis: `${redis.url}/0`, crawl, dir: tmp.dir, args: ['--concurrency', '8', '--set', 'leaseMs=4000'] });
    await waitFor(() => site.log.length >= 200, 60_000);
    await redis.stop(true);
    const fetchedAtKill = site.log.length;
    await new Promise((r) => setTimeout(r, 500));
    await redis.restart();
    const { exits, stalled } = await waitAllOrStall(workers, site);
    assert.deepEqual(stalled, [], 'workers still running 15 s after the last request to the site');
    for (const [i, e] of exits.entries()) assert.equal(e.code, 0, `worker ${i} exited ${e.code}: ${e.stderr}`);
    assert.ok(fetchedAtKill < site.expected.length, 'Redis went down before the crawl was over');
    assert.ok(
      exits.some((e) => /connection lost; reconnecting/.test(e.stderr)),
      'a worker reported the outage',
    );

    const counts = site.counts();
    const missing = site.expected.filter((u) => (counts.get(u) ?? 0) === 0);
    assert.deepEqual(missing, [], 'every page fetched');
    const again = site.expected.filter((u) => (counts.get(u) ?? 0) > 1);
    // A lease whose reply was lost in the outage is fetched again after its expiry: a handful at most.
    assert.ok(again.length <= 24, `pages fetched more than once: ${again.length}`);

    const items = await exportItems(`${redis.url}/0`, crawl, tmp.dir);
    const badItems = notExactlyOnce(site.expected, itemCounts(items));
    assert.deepEqual(badItems.slice(0, 20), [], `${badItems.length} pages without exactly one item`);
  });
});
