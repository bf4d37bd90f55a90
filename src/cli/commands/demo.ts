/**
 * `superfilter demo` (what `npm start` runs): serves the bundled demo site (demo-site/) on a
 * free loopback port and crawls it with the generic spider and the default store, then says
 * where the items went and prints the stats. Takes the same flags as `crawl`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { adaptSpider, spiderLogVia } from '../../engine/adapt-spider.ts';
import { CrawlEvents } from '../../engine/crawl-events.ts';
import { genericSpider } from '../../spider/generic-spider.ts';
import { serveDirectory } from '../static-site-server.ts';
import { type CrawlFlags, addCrawlFlags, configFromFlags, crawlWithSignals } from './crawl.ts';

/** The bundled demo site: `demo-site/` at the package root (from src/cli/commands or dist/cli/commands). */
export function demoSiteDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'demo-site');
}

/** Adds `demo` to the program. */
export function registerDemoCommand(program: Command): void {
  addCrawlFlags(program.command('demo').description('serve the bundled demo site on a loopback port and crawl it')).action(
    async (flags: CrawlFlags) => {
      // A fresh job directory each run (the site's port changes every time), removed afterwards.
      const scratch = mkdtempSync(join(tmpdir(), 'superfilter-demo-'));
      const site = await serveDirectory(demoSiteDir());
      try {
        const config = configFromFlags(flags, { output: 'demo-items.jsonl', jobdir: join(scratch, 'jobdir'), crawlName: 'demo' });
        process.stderr.write(`demo site at ${site.origin}/ (serving ${demoSiteDir()})\n`);
        const spider = genericSpider([`${site.origin}/`], { name: 'demo' });
        const events = new CrawlEvents();
        const { code, result } = await crawlWithSignals({
          config,
          spider: adaptSpider(spider, config, spiderLogVia(events, 'demo')),
          events,
          progress: flags.progress !== false,
        });
        if (result?.feed && result.feed !== 'stdout') {
          process.stderr.write(`\n${result.stats.items} items written to ${result.feed}  (one JSON object per line: url, status, title, depth)\n`);
          process.stderr.write(`try: superfilter crawl ${site.origin.replace(/:\d+$/, ':PORT')}/ -o items.jsonl   or   superfilter crawl ./examples/<spider>.ts\n`);
        }
        process.exitCode = code;
      } finally {
        await site.close();
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );
}
