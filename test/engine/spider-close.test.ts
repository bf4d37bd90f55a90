import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { adaptSpider } from '../../src/engine/adapt-spider.ts';
import { CrawlEvents } from '../../src/engine/crawl-events.ts';
import { createLogger } from '../../src/engine/logger.ts';
import { runCrawl } from '../../src/engine/run-crawl.ts';
import { defineSpider } from '../../src/spider/define-spider.ts';
import { tempDir } from '../helpers/crawl-helpers.ts';
import { startTestSite, type TestSite } from '../helpers/test-site.ts';

describe("the spider's close() hook", () => {
  let site: TestSite;
  const tmp = tempDir();
  before(async () => {
    site = await startTestSite({ pages: 40, latencyMs: 20 });
  });
  after(async () => {
    await site.close();
    tmp.cleanup();
  });

  const spiderWith = (close: () => void | Promise<void>, pagesSeen: string[]) =>
    defineSpider({
      name: 'closing',
      startUrls: [`${site.origin}/p/0`],
      parse(response, ctx) {
        pagesSeen.push(response.url);
        return [{ url: response.url }, ...ctx.followLinks()];
      },
      close,
    });

  const run = async (spider: ReturnType<typeof spiderWith>, extra: { maxPages?: number; stopAfter?: number } = {}) => {
    const config = parseConfig({ store: 'memory', output: join(tmp.dir, `${Math.random()}.jsonl`), ignoreRobots: true, concurrency: 2, maxPages: extra.maxPages ?? 0 }, {});
    const lines: string[] = [];
    const events = new CrawlEvents();
    let responses = 0;
    const result = await runCrawl({
      config,
      spider: adaptSpider(spider, config),
      logger: createLogger('warn', { write: (s: string) => lines.push(s) }),
      progress: false,
      events,
      onCrawler: (crawler) => {
        if (extra.stopAfter === undefined) return;
        events.on('response', () => {
          if (++responses === extra.stopAfter) crawler.stop('graceful');
        });
      },
    });
    return { result, lines };
  };

  it('runs once when the crawl finishes, after the last page', async () => {
    const calls: number[] = [];
    const pages: string[] = [];
    let pagesAtClose = -1;
    const { result } = await run(
      spiderWith(async () => {
        pagesAtClose = pages.length;
        calls.push(Date.now());
      }, pages),
      { maxPages: 5 },
    );
    assert.equal(result.reason, 'max-pages');
    assert.equal(calls.length, 1);
    assert.equal(pagesAtClose, pages.length);
  });

  it('runs once on a graceful stop', async () => {
    let calls = 0;
    const { result } = await run(
      spiderWith(() => {
        calls++;
      }, []),
      { stopAfter: 3 },
    );
    assert.equal(result.reason, 'stopped');
    assert.equal(calls, 1);
  });

  it('an error in close() is logged, not thrown, and the outcome stands', async () => {
    const { result, lines } = await run(
      spiderWith(() => {
        throw new Error('lost the database handle');
      }, []),
      { maxPages: 3 },
    );
    assert.equal(result.reason, 'max-pages');
    assert.equal(result.error, undefined);
    assert.ok(lines.some((l) => /close\(\) failed: lost the database handle/.test(l)), lines.join(''));
  });
});
