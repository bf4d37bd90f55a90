/**
 * Where a crawl's items go: a file (with byte checkpoints for exactly-once resume) or a stream
 * such as stdout (no checkpoints). The engine only sees this interface.
 */
import type { FeedCheckpoint } from '../contracts.ts';
import { createEncoder, type FeedFormat, type FeedItem } from './feed-format.ts';
import { FeedWriter } from './feed-writer.ts';

/** An open items output. */
export interface FeedSink {
  /** A label for messages: the file path or "stdout". */
  readonly target: string;
  readonly format: FeedFormat;
  /** Queues items as whole records (`jsons[i]` is `items[i]` as JSON text). */
  write(items: readonly FeedItem[], jsons: readonly string[]): void;
  /** Writes what is queued; returns the checkpoint, or null when the sink cannot be resumed. */
  flush(): FeedCheckpoint | null;
  /** Cuts back to a checkpoint offset (only for sinks that return checkpoints). */
  rollback(offset: number): void;
  readonly itemCount: number;
  /** Flushes and closes (writes the format's footer). */
  close(): void | Promise<void>;
}

/** Items as JSON Lines (or another format) on a writable stream; no checkpoints. */
export class StreamFeed implements FeedSink {
  readonly target: string;
  readonly format: FeedFormat;
  private readonly encoder;
  private headerDone = false;
  private count = 0;

  /** Wraps `stream` (stdout by default). */
  constructor(
    private readonly stream: NodeJS.WritableStream = process.stdout,
    format: FeedFormat = 'jsonl',
    target = 'stdout',
  ) {
    this.target = target;
    this.format = format;
    this.encoder = createEncoder(format);
  }

  write(items: readonly FeedItem[], jsons: readonly string[]): void {
    if (items.length === 0) return;
    let text = '';
    for (let i = 0; i < items.length; i++) {
      if (!this.headerDone) {
        text += this.encoder.header(items[i]);
        this.headerDone = true;
      }
      text += this.encoder.item(items[i], jsons[i]);
    }
    this.count += items.length;
    this.stream.write(text);
  }

  flush(): null {
    return null;
  }

  rollback(): void {}

  get itemCount(): number {
    return this.count;
  }

  async close(): Promise<void> {
    let tail = '';
    if (!this.headerDone) tail += this.encoder.header(undefined);
    tail += this.encoder.footer();
    if (tail) this.stream.write(tail);
    // Wait until the stream has handed everything to the OS so an exit right after loses nothing.
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}

/** Where and how to open the feed of a crawl. */
export interface OpenFeedOptions {
  /** File path; empty or "-" means stdout. */
  path: string;
  format?: FeedFormat;
  /** Byte offset to resume at (files only); absent: replace the file. */
  resumeAt?: number;
}

/** Opens a file feed (format from the extension) or, for "" / "-", JSON Lines on stdout. */
export function openFeed(options: OpenFeedOptions): FeedSink {
  if (options.path === '' || options.path === '-') return new StreamFeed(process.stdout, options.format ?? 'jsonl');
  return FeedWriter.open(options.path, { format: options.format, resumeAt: options.resumeAt });
}
