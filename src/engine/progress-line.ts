/**
 * The live progress report: in a terminal one line rewritten in place, elsewhere a plain line
 * every `intervalMs`. Reads counters only; it never touches the crawl.
 */
import type { CrawlStats } from './crawl-stats.ts';

/** Where the progress goes and how often. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  intervalMs?: number;
  /** Pending / leased counts from the store, when cheap to get. */
  frontier?: () => Promise<{ pending: number; leased: number } | null>;
}

/** A running progress reporter. */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private shown = false;
  private last = { pages: 0, at: Date.now() };
  private frontierText = '';
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;

  /** Creates (does not start) a reporter for `stats`. */
  constructor(
    private readonly stats: CrawlStats,
    private readonly options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Starts periodic reports. */
  start(): void {
    const every = this.options.intervalMs ?? (this.tty ? 250 : 10_000);
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  /** Erases the in-place line so a log line can be printed cleanly. */
  clear(): void {
    if (this.tty && this.shown) {
      this.stream.write('\r\x1b[2K');
      this.shown = false;
    }
  }

  /** Stops reporting and erases the in-place line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  /** The text of one report. */
  text(): string {
    const s = this.stats;
    const now = Date.now();
    const rate = ((s.pagesFetched - this.last.pages) * 1000) / Math.max(1, now - this.last.at);
    this.last = { pages: s.pagesFetched, at: now };
    const secs = Math.round(s.elapsedMs / 1000);
    return `${s.pagesFetched} pages (${rate.toFixed(0)}/s), ${s.items} items, ${s.duplicatesFiltered} dupes, ${s.failed} failed${this.frontierText} | ${secs}s`;
  }

  private tick(): void {
    this.stats.sampleMemory();
    const line = this.text();
    if (this.tty) {
      const width = (this.stream as { columns?: number }).columns ?? 100;
      this.stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
      this.shown = true;
    } else {
      this.stream.write(`${new Date().toISOString()} [info] progress: ${line}\n`);
    }
    this.options
      .frontier?.()
      .then((f) => {
        this.frontierText = f ? `, ${f.pending} pending, ${f.leased} in flight` : '';
      })
      .catch(() => {});
  }
}
