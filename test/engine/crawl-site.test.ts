import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crawlForTest, readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

describe('crawling the generated test site', () => {
  let site: TestSite;
  const tmp = tempDir();
  before(async () => {
    site = await startTestSite({ pages: 60 });
  });
  after(async () => {
    await site.close();
    tmp.cleanup();
  });

  it('fetches every reachable page exactly once, stays in scope and keeps robots.txt', async () => {
    const output = join(tmp.dir, 'items.jsonl');
    const result = await crawlForTest(`${site.origin}/`, { settings: { output, retries: 2, concurrency: 16, maxRedirects: 5 } });
    assert.equal(result.reason, 'finished');

    for (const path of site.reachable) {
      const expected = path === '/broken/500' ? 3 : 1; // first attempt + 2 retries
      assert.equal(site.hits(path), expected, `${path} fetched ${site.hits(path)} times`);
    }
    assert.equal(site.hits('/robots.txt'), 1);
    // The same query in two orders is one page; every tenth tree page links one.
    const queries = site.log.filter((e) => e.path.startsWith('/q?'));
    assert.equal(queries.length, 6);
    assert.equal(new Set(queries.map((e) => new URLSearchParams(e.path.slice(3)).get('a'))).size, 6);
    // Never: the disallowed path, another host, links found in non-HTML text.
    assert.equal(site.log.filter((e) => e.path.startsWith('/private/')).length, 0);
    assert.ok(site.log.every((e) => e.host === `127.0.0.1:${site.port}`));
    assert.equal(site.hits('/never-linked'), 0);
    // The redirect chain stops at maxRedirects: /chain/0 … /chain/5 requested, then SF_FETCH_TOO_MANY_REDIRECTS.
    assert.equal(site.log.filter((e) => e.path.startsWith('/chain/')).length, 6);
    assert.equal(result.stats.errorsByCode.SF_FETCH_TOO_MANY_REDIRECTS, 1);

    const items = readJsonLines(output);
    const okPages = site.log.filter((e) => e.status === 200 && e.path !== '/robots.txt').length;
    assert.equal(items.length, okPages - 1, 'one item per 2xx page, except the bad-gzip page');
    assert.equal(new Set(items.map((i) => i.url)).size, items.length);
    const p7 = items.find((i) => i.url === `${site.origin}/p/7`);
    assert.deepEqual(p7, { url: `${site.origin}/p/7`, status: 200, title: 'Page 7', depth: 3 });

    const s = result.stats;
    assert.equal(s.pagesFetched, site.log.length - 2, 'every response but robots.txt and the undecodable page');
    assert.equal(s.items, items.length);
    assert.ok(s.duplicatesFiltered > 60, `duplicates ${s.duplicatesFiltered}`);
    assert.equal(s.robotsBlocked, 1);
    assert.ok(s.offsite >= 1);
    assert.equal(s.retries, 2);
    assert.equal(s.responsesByStatus['404'], 1);
    assert.equal(s.errorsByCode.SF_FETCH_DECODE, 1);
  });

  it('stops at maxPages', async () => {
    const before = site.log.length;
    const result = await crawlForTest(`${site.origin}/`, { settings: { maxPages: 10, ignoreRobots: true, concurrency: 4 } });
    assert.equal(result.reason, 'max-pages');
    assert.equal(site.log.length - before, 10);
    assert.ok(result.stats.pagesFetched <= 10 && result.stats.pagesFetched >= 8, `pages ${result.stats.pagesFetched}`);
  });

  it('does not follow links deeper than maxDepth', async () => {
    const before = site.log.length;
    const result = await crawlForTest(`${site.origin}/p/0`, { settings: { maxDepth: 2, ignoreRobots: true } });
    const paths = site.log.slice(before).map((e) => e.path);
    // p/0 (depth 0) → p/1, p/2, / (1) → p/3..p/6 and the index links (2); nothing from depth 3.
    for (const p of ['/p/0', '/p/1', '/p/2', '/', '/p/3', '/p/6', '/redirect/p3']) assert.ok(paths.includes(p), `${p} missing`);
    assert.ok(!paths.includes('/p/7'), 'p/7 is at depth 3');
    assert.ok(result.stats.dropped.depth > 0);
  });
});
