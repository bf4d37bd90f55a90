/**
 * Four worker processes share one crawl on the shared Redis (127.0.0.1:6379): every page of a
 * 2,000-page, 8-host site is fetched exactly once (the server's log), robots.txt once per
 * host, every worker exits 0 once the frontier is empty, the export holds each page's item
 * exactly once, and `fleet-status` reports the finished crawl.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/crawl-helpers.ts';
import { SHARED_REDIS_URL, uniqueCrawl } from '../stores/redis-helpers.ts';
import { type FleetSite, startFleetSite } from './helpers/fleet-site.ts';
import {
  adminClient,
  deleteFleetCrawl,
  exportItems,
  itemCounts,
  notExactlyOnce,
  startWorkers,
  stopAll,
  type Worker,
  waitAllOrStall,
} from './helpers/fleet-workers.ts';
import { readFileSync } from 'node:fs';

const REDIS = `${SHARED_REDIS_URL}/0`;

describe('fleet: 4 workers, one crawl', () => {
  let site: FleetSite;
  let workers: Worker[] = [];
  const tmp = tempDir('sf-fleet-');
  const crawl = uniqueCrawl('fleet4');
  const admin = adminClient(REDIS);

  before(async () => {
    site = await startFleetSite({ pages: 2000, hosts: 8, fanout: 4 });
  });

  after(async () => {
    stopAll(workers);
    await deleteFleetCrawl(admin, crawl);
    admin.disconnect();
    await site.close();
    tmp.cleanup();
  });

  it('fetches every page once, exits 0 everywhere, exports every item once', { timeout: 120_000 }, async () => {
    workers = startWorkers({ count: 4, site, redis: REDIS, crawl, dir: tmp.dir, args: ['--concurrency', '16'] });
    const { exits, stalled } = await waitAllOrStall(workers, site);
    assert.deepEqual(stalled, [], 'workers still running 15 s after the last request to the site');
    for (const [i, e] of exits.entries()) assert.equal(e.code, 0, `worker ${i} exited ${e.code}: ${e.stderr}`);

    const bad = notExactlyOnce(site.expected, site.counts());
    assert.deepEqual(bad.slice(0, 20), [], `${bad.length} URLs not fetched exactly once`);
    for (const host of site.hostNames) {
      assert.equal(site.log.filter((e) => e.host === host && e.path === '/robots.txt').length, 1, `robots.txt of ${host} fetched once`);
    }

    // Every worker's own count adds up to the server's: nobody fetched behind the log's back.
    const fetchedBy = workers.map((w) => (JSON.parse(readFileSync(w.statsFile, 'utf8')) as { pagesFetched: number }).pagesFetched);
    assert.equal(
      fetchedBy.reduce((a, b) => a + b, 0),
      site.expected.length,
    );
    assert.ok(fetchedBy.filter((n) => n > 0).length >= 2, `the work was shared: ${fetchedBy.join(', ')}`);
    for (const w of workers) {
      const own = site.log.filter((e) => e.ua === w.ua && e.path !== '/robots.txt').length;
      assert.equal(own, fetchedBy[w.index], `worker ${w.index}: stats and server log agree`);
    }

    const items = await exportItems(REDIS, crawl, tmp.dir);
    const badItems = notExactlyOnce(site.expected, itemCounts(items));
    assert.deepEqual(badItems.slice(0, 20), [], `${badItems.length} pages without exactly one item`);

    const status = await cli(['fleet-status', '--redis', REDIS, '--crawl', crawl, '--json']).done;
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { seeded: boolean; stats: { pending: number; leased: number; done: number; items: number } };
    assert.equal(s.seeded, true);
    assert.equal(s.stats.pending, 0);
    assert.equal(s.stats.leased, 0);
    assert.equal(s.stats.done, site.expected.length);
    assert.equal(s.stats.items, site.expected.length);
  });
});
