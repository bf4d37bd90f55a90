/**
 * Compaction of the job directory's queue log: a crawl with releases, expiries and reopens
 * while the log is compacted again and again ends with every page done exactly once, and the
 * leftovers of a compaction interrupted by a crash (a `.tmp` generation, an old generation)
 * are cleaned up on open without losing anything.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { JobdirStore } from '../../src/stores/jobdir/jobdir-store.ts';
import { crawlPage, pageChildren } from './fixtures/jobdir-graph.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-jobdir-compaction-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PAGES = 800;
const generations = () =>
  readdirSync(dir)
    .map((f) => /^queue-(\d+)\.log$/.exec(f)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number);
const make = () => new JobdirStore({ dir, hostPolicy: { concurrency: 3, delayMs: 0 }, maxDeliveries: 50, compactSlackBytes: 16 * 1024 });

describe('jobdir compaction', () => {
  it('keeps a crawl exact across many compactions, releases, expiries and reopens', async () => {
    let store = make();
    await store.open();
    try {
      await store.enqueue([crawlPage(0)]);
      const done = new Set<number>();
      let now = 1_700_000_000_000;
      for (let round = 0; round < 20_000 && !(await store.isFinished()); round++) {
        now += 10;
        await store.expireLeases(now);
        const { leases } = await store.lease({ max: 7, now, leaseMs: 25 });
        for (const [i, lease] of leases.entries()) {
          const page = Number(lease.request.url.split('/').pop());
          if ((page + round) % 11 === 0) await store.release(lease.request.id, now + 15);
          else if ((page + round) % 13 === 0) continue; // left to expire
          else {
            assert.ok(!done.has(page), `page ${page} done twice`);
            done.add(page);
            await store.commit({ id: lease.request.id, result: { kind: 'done' }, children: pageChildren(page, PAGES), items: [`{"p":${page}}`] });
          }
          if ((round * 7 + i) % 97 === 0) {
            // Reopen: the batch's other leases go back to the queue with it.
            await store.close();
            store = make();
            await store.open();
            break;
          }
        }
      }
      const stats = await store.stats();
      assert.equal(stats.done, PAGES);
      assert.equal(stats.seen, PAGES);
      assert.equal(stats.items, PAGES);
      assert.equal(stats.pending + stats.leased, 0);
      assert.ok(Math.max(...generations()) > 3, `compacted several times (generations ${generations()})`);
    } finally {
      await store.close();
    }
  });

  it('cleans up after a compaction interrupted by a crash', async () => {
    const [gen] = generations();
    const current = join(dir, `queue-${gen}.log`);
    // A crash before the rename leaves a .tmp; a crash after it may leave the old generation.
    writeFileSync(join(dir, `queue-${gen + 1}.log.tmp`), 'half a compaction');
    copyFileSync(current, join(dir, `queue-${gen - 1}.log`));
    const store = make();
    await store.open();
    assert.deepEqual(generations(), [gen]);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
    assert.equal((await store.stats()).done, PAGES);
    await store.close();
  });
});
