/**
 * The items file of one crawl: whole records appended with synchronous writes, an exact byte
 * offset, and truncation back to a checkpoint for exactly-once output after a crash.
 *
 * Invariants: the file only ever grows by whole records (a record is encoded in full before one
 * `writeSync` of the pending text), so a stop at any moment — a signal, an abort, a `kill -9`
 * between writes — leaves no torn line. `offset` is the number of bytes durably handed to the
 * operating system; `flush` returns it as the checkpoint a store records with the page's commit.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FeedCheckpoint } from '../contracts.ts';
import { ErrorCodes, FeedError } from '../errors.ts';
import type { FeedSink } from './feed-sink.ts';
import { CsvEncoder, createEncoder, type FeedEncoder, type FeedFormat, type FeedItem, formatForPath } from './feed-format.ts';

/** How to open a feed. */
export interface FeedOpenOptions {
  /** Format; default from the file extension. */
  format?: FeedFormat;
  /**
   * Keep the file's first `resumeAt` bytes (a checkpoint of a resumed crawl) and append after
   * them. Absent: the file is replaced.
   */
  resumeAt?: number;
}

const HEAD_BYTES = 64 * 1024;
/** Pending text past this size is written at once even before a flush is asked for. */
const AUTO_FLUSH_CHARS = 256 * 1024;

/** An open items file. Not safe for use from two processes at once. */
export class FeedWriter implements FeedSink {
  /** Absolute path of the file. */
  readonly path: string;
  /** Same as `path` (the sink label). */
  get target(): string {
    return this.path;
  }
  readonly format: FeedFormat;
  private fd: number;
  private readonly encoder: FeedEncoder;
  private pending = '';
  private written: number;
  private headerDone: boolean;
  private items = 0;
  private closed = false;

  private constructor(path: string, fd: number, encoder: FeedEncoder, offset: number) {
    this.path = path;
    this.fd = fd;
    this.encoder = encoder;
    this.format = encoder.format;
    this.written = offset;
    this.headerDone = offset > 0;
  }

  /** Opens (creating directories as needed) or resumes a feed file. Throws FeedError SF_FEED_IO. */
  static open(path: string, options: FeedOpenOptions = {}): FeedWriter {
    const abs = resolve(path);
    const encoder = createEncoder(options.format ?? formatForPath(abs));
    let fd: number;
    try {
      mkdirSync(dirname(abs), { recursive: true });
      fd = openSync(abs, 'a+');
    } catch (cause) {
      throw new FeedError(ErrorCodes.FEED_IO, `cannot open feed ${abs}: ${(cause as Error).message}`, { cause });
    }
    try {
      const keep = options.resumeAt ?? 0;
      const size = fstatSync(fd).size;
      if (keep > size) {
        throw new FeedError(
          ErrorCodes.FEED_IO,
          `feed ${abs} holds ${size} bytes but the crawl's checkpoint is at ${keep}: was the file changed or replaced?`,
          { details: { path: abs, size, checkpoint: keep } },
        );
      }
      if (size !== keep) ftruncateSync(fd, keep);
      if (keep > 0) {
        const head = Buffer.alloc(Math.min(keep, HEAD_BYTES));
        readSync(fd, head, 0, head.length, 0);
        encoder.resume(head.toString('utf8'));
      }
      return new FeedWriter(abs, fd, encoder, keep);
    } catch (cause) {
      closeSync(fd);
      if (cause instanceof FeedError) throw cause;
      throw new FeedError(ErrorCodes.FEED_IO, `cannot prepare feed ${abs}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Queues items (with their JSON text, computed once by the caller) as whole records. */
  write(items: readonly FeedItem[], jsons: readonly string[]): void {
    this.assertOpen();
    for (let i = 0; i < items.length; i++) {
      if (!this.headerDone) {
        this.pending += this.encoder.header(items[i]);
        this.headerDone = true;
      }
      this.pending += this.encoder.item(items[i], jsons[i]);
    }
    this.items += items.length;
    if (this.pending.length > AUTO_FLUSH_CHARS) this.flush();
  }

  /** Writes everything queued; returns the checkpoint (path and byte offset after it). */
  flush(): FeedCheckpoint {
    this.assertOpen();
    if (this.pending.length > 0) {
      const buf = Buffer.from(this.pending, 'utf8');
      this.pending = '';
      this.writeAll(buf);
    }
    return { path: this.path, offset: this.written };
  }

  /** Cuts the file back to `offset` (a page whose commit failed must not keep its items). */
  rollback(offset: number): void {
    this.assertOpen();
    this.pending = '';
    try {
      ftruncateSync(this.fd, offset);
    } catch (cause) {
      throw new FeedError(ErrorCodes.FEED_IO, `cannot truncate feed ${this.path}`, { cause });
    }
    this.written = offset;
  }

  /** Items written by this writer (not counting a resumed file's earlier items). */
  get itemCount(): number {
    return this.items;
  }

  /** Bytes in the file once pending text is flushed (excluding the footer). */
  get offset(): number {
    return this.written;
  }

  /** CSV fields left out because later items added keys the header lacks. */
  get droppedFields(): number {
    return this.encoder instanceof CsvEncoder ? this.encoder.droppedFields : 0;
  }

  /** Flushes, writes the format's footer, syncs and closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    if (!this.headerDone) this.pending += this.encoder.header(undefined);
    this.pending += this.encoder.footer();
    if (this.pending.length > 0) {
      // The footer is not part of any checkpoint: a resume truncates it away and writes it again.
      const buf = Buffer.from(this.pending, 'utf8');
      this.pending = '';
      const at = this.written;
      this.writeAll(buf);
      this.written = at;
    }
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync may be unsupported (pipes, some file systems); the data is written regardless.
    }
    closeSync(this.fd);
    this.closed = true;
  }

  private writeAll(buf: Buffer): void {
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    } catch (cause) {
      // A partial write would leave a torn record: cut it off before reporting.
      try {
        ftruncateSync(this.fd, this.written);
      } catch {}
      throw new FeedError(ErrorCodes.FEED_IO, `cannot write feed ${this.path}: ${(cause as Error).message}`, { cause });
    }
    this.written += buf.length;
  }

  private assertOpen(): void {
    if (this.closed) throw new FeedError(ErrorCodes.FEED_IO, `feed ${this.path} is closed`);
  }
}
