/**
 * What `superfilter crawl <target>` crawls: a start URL (the generic spider) or a spider file.
 * A target that is neither an http(s) URL nor an existing file is a bad argument (exit 2).
 */
import { existsSync } from 'node:fs';
import { ConfigError, ErrorCodes } from '../errors.ts';
import type { Spider } from '../spider/define-spider.ts';
import { genericSpider } from '../spider/generic-spider.ts';
import { loadSpider } from '../spider/load-spider.ts';

/** Loads the spider a target names. Throws ConfigError SF_ARGS_INVALID or SpiderError. */
export async function loadCrawlTarget(target: string): Promise<Spider> {
  if (/^https?:\/\//i.test(target)) {
    try {
      new URL(target);
    } catch (cause) {
      throw new ConfigError(ErrorCodes.ARGS_INVALID, `not a valid start URL: ${target}`, { cause });
    }
    return genericSpider([target]);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new ConfigError(ErrorCodes.ARGS_INVALID, `only http and https URLs can be crawled (got ${target})`);
  }
  if (!existsSync(target)) {
    throw new ConfigError(ErrorCodes.ARGS_INVALID, `"${target}" is neither an http(s) URL nor an existing spider file`);
  }
  return loadSpider(target);
}
