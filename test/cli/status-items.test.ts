/**
 * `superfilter status DIR` after a crawl on the job directory store: the items count equals
 * the items the feed received (the jobdir store counts the items of each commit; the feed,
 * not the store, holds them).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli } from '../helpers/cli-process.ts';
import { crawlForTest, readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

describe('status of a job directory', () => {
  let site: TestSite;
  const tmp = tempDir('sf-status-items-');
  before(async () => {
    site = await startTestSite({ pages: 20 });
  });
  after(async () => {
    await site.close();
    tmp.cleanup();
  });

  it('counts the items written to the feed', async () => {
    const jobdir = join(tmp.dir, 'job');
    const output = join(tmp.dir, 'items.jsonl');
    const result = await crawlForTest(`${site.origin}/p/0`, { settings: { store: 'jobdir', jobdir, output, maxPages: 12 } });
    assert.equal(result.storeKind, 'jobdir');
    const written = readJsonLines(output).length;
    assert.ok(written >= 10, `${written} items written`);
    assert.equal(result.stats.items, written);

    const run = await cli(['status', jobdir, '--json']).done;
    assert.equal(run.code, 0, run.stderr);
    const status = JSON.parse(run.stdout) as { items: number; done: number };
    assert.equal(status.items, written, `status: ${run.stdout}`);
  });
});
