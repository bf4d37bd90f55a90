/**
 * A minimal levelled logger writing whole lines to a stream (stderr by default), and the
 * bridge that turns engine events into log lines. Duplicates follow Scrapy's dupe filter: the
 * first one at info, every one at debug.
 */
import type { CrawlEvents } from './crawl-events.ts';

/** Log levels, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Where log lines go. */
export interface Logger {
  readonly level: LogLevel;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  enabled(level: LogLevel): boolean;
}

/** Something lines can be written to. */
export interface LineSink {
  write(text: string): unknown;
}

/** Creates a logger at `level`; each line is `time [level] message`. `beforeWrite` lets a progress line clear itself. */
export function createLogger(level: LogLevel, sink: LineSink = process.stderr, beforeWrite?: () => void): Logger {
  const max = RANK[level];
  const line = (l: LogLevel, message: string) => {
    if (RANK[l] > max) return;
    beforeWrite?.();
    sink.write(`${new Date().toISOString()} [${l}] ${message}\n`);
  };
  return {
    level,
    error: (m) => line('error', m),
    warn: (m) => line('warn', m),
    info: (m) => line('info', m),
    debug: (m) => line('debug', m),
    enabled: (l) => RANK[l] <= max,
  };
}

/** Logs engine events at fitting levels. */
export function logEvents(events: CrawlEvents, log: Logger): void {
  let firstDuplicate = true;
  events.on('log', (e) => log[e.level](e.message));
  events.on('failure', (e) => log.warn(`failed ${e.url}: ${e.code}${e.status ? ` (HTTP ${e.status})` : ''} ${e.message}`));
  events.on('spiderError', (e) => log.error(`spider error on ${e.url}: ${e.code} ${e.message}`));
  events.on('storeError', (e) => log.error(`store error in ${e.op}: ${e.code} ${e.message}`));
  events.on('duplicate', (e) => {
    if (firstDuplicate) {
      firstDuplicate = false;
      log.info(`filtered duplicate request ${e.url} - no more duplicates will be shown (use --log-level debug to show all)`);
    } else if (log.enabled('debug')) log.debug(`filtered duplicate request ${e.url} (from ${e.from})`);
  });
  if (!log.enabled('debug')) return;
  events.on('response', (e) => log.debug(`crawled (${e.status}) ${e.url} depth=${e.depth} ${e.bytes}B ${e.ms}ms`));
  events.on('retry', (e) => log.debug(`retrying ${e.url} (attempt ${e.attempt}, ${e.code}) in ${e.delayMs}ms`));
  events.on('redirect', (e) => log.debug(`redirect (${e.status}) ${e.from} -> ${e.to}`));
  events.on('robotsBlocked', (e) => log.debug(`forbidden by robots.txt: ${e.url}`));
  events.on('dropped', (e) => log.debug(`dropped ${e.url} (${e.reason}) from ${e.from}`));
}
