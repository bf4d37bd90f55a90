/**
 * `superfilter demo` (what `npm start` runs): serves the bundled demo site (demo-site/) on a
 * free loopback port and crawls it with the generic spider and the default store, then says
 * where the items went and prints the stats. Takes the same flags as `crawl`.
 *
 * The items go to `.superfilter/demo/demo-items.jsonl` and the job directory to
 * `.superfilter/demo/jobdir` under the current directory unless `-o` / `--jobdir` say
 * otherwise: `.superfilter/` is where superfilter keeps its working files (and what a checkout
 * ignores), so the demo never litters the directory it runs in. The site's port changes every
 * run, so the default job directory is started afresh each time (and kept afterwards, for
 * `superfilter status`).
 */
import { rmSync } from 'node:fs';
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

/** Where the demo writes its items unless `-o` is given (relative to the current directory). */
export const DEMO_OUTPUT = join('.superfilter', 'demo', 'demo-items.jsonl');

/** The demo's job directory unless `--jobdir` is given. */
export const DEMO_JOBDIR = join('.superfilter', 'demo', 'jobdir');

/** Adds `demo` to the program. */
export function registerDemoCommand(program: Command): void {
  addCrawlFlags(
    program
      .command('demo')
      .description(`serve the bundled demo site on a loopback port and crawl it; items go to ${DEMO_OUTPUT} unless -o says otherwise`),
  ).action(
    async (flags: CrawlFlags) => {
      const config = configFromFlags(flags, { output: DEMO_OUTPUT, jobdir: DEMO_JOBDIR, crawlName: 'demo' });
      if (config.jobdir === DEMO_JOBDIR && config.store === 'jobdir') rmSync(DEMO_JOBDIR, { recursive: true, force: true });
      const site = await serveDirectory(demoSiteDir());
      try {
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
          process.stderr.write(`\n${result.stats.items} items written to ${resolve(result.feed)}  (url, status, title, depth of each page)\n`);
          process.stderr.write(`try: superfilter crawl ${site.origin.replace(/:\d+$/, ':PORT')}/ -o items.jsonl   or   superfilter crawl ./examples/<spider>.ts\n`);
        }
        process.exitCode = code;
      } finally {
        await site.close();
      }
    },
  );
}
