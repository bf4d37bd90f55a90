import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crawlForTest, readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

describe('a crawl resumed from its job directory', () => {
  let site: TestSite;
  const tmp = tempDir();
  before(async () => {
    site = await startTestSite({ pages: 80 });
  });
  after(async () => {
    await site.close();
    tmp.cleanup();
  });

  it('continues where it stopped: every page once, every item once in the feed', async () => {
    const settings = { store: 'jobdir', jobdir: join(tmp.dir, 'job'), output: join(tmp.dir, 'items.jsonl'), retries: 0, concurrency: 4 } as const;
    const first = await crawlForTest(`${site.origin}/`, { settings: { ...settings, maxPages: 25 } });
    assert.equal(first.reason, 'max-pages');
    assert.equal(first.storeKind, 'jobdir');
    const afterFirst = readJsonLines(settings.output).length;
    assert.ok(afterFirst > 10);

    const second = await crawlForTest(`${site.origin}/`, { settings });
    assert.equal(second.reason, 'finished');
    const items = readJsonLines(settings.output);
    const urls = items.map((i) => i.url);
    assert.equal(new Set(urls).size, urls.length, 'no item twice');
    assert.equal(items.length, afterFirst + second.stats.items);
    for (let i = 0; i < 80; i++) assert.equal(site.hits(`/p/${i}`), 1, `/p/${i}`);
    assert.ok(urls.includes(`${site.origin}/p/79`));
  });
});
