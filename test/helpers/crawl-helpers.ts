/**
 * Helpers for end-to-end crawl tests: run the generic spider over a URL with the memory store
 * (or another), silent logs, and read a JSON Lines feed back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigInput, parseConfig } from '../../src/config.ts';
import type { Store } from '../../src/contracts.ts';
import { adaptSpider } from '../../src/engine/adapt-spider.ts';
import { CrawlEvents } from '../../src/engine/crawl-events.ts';
import { createLogger } from '../../src/engine/logger.ts';
import { type RunCrawlResult, runCrawl } from '../../src/engine/run-crawl.ts';
import type { Spider } from '../../src/spider/define-spider.ts';
import { genericSpider } from '../../src/spider/generic-spider.ts';

/** A temporary directory removed by `cleanup`. */
export function tempDir(prefix = 'sf-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Options of {@link crawlForTest}. */
export interface TestCrawlOptions {
  settings?: ConfigInput;
  spider?: Spider;
  store?: Store;
  events?: CrawlEvents;
  /** Collected log lines (level error and above unless `logLevel` is set). */
  logs?: string[];
}

/** Crawls `startUrl` with the generic spider (or `spider`), memory store by default, no environment. */
export async function crawlForTest(startUrl: string, options: TestCrawlOptions = {}): Promise<RunCrawlResult> {
  const config = parseConfig({ store: 'memory', retryBaseMs: 20, ...options.settings }, {});
  const spider = options.spider ?? genericSpider([startUrl]);
  const logs = options.logs ?? [];
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : (config.logLevel as 'warn'), { write: (s: string) => logs.push(s) });
  return runCrawl({ config, spider: adaptSpider(spider, config), store: options.store, logger, progress: false, events: options.events ?? new CrawlEvents() });
}

/** Parses a JSON Lines file, checking every line is complete JSON. */
export function readJsonLines(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`feed ${path} ends in a torn line`);
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
