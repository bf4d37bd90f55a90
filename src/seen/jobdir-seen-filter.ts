/**
 * The `jobdir` seen set: a {@link CompactFingerprintSet} in memory, made durable by a
 * {@link SeenLog} (`seen.log`) in a directory.
 *
 * Invariants:
 * - only fingerprints that were new are appended, so the log holds each one once, in full
 *   (20 bytes), and an exact Scrapy `requests.seen` can be exported from it;
 * - `addMany` resolves only after the new fingerprints are in the file: after a `kill -9` at
 *   any instant, every fingerprint of a resolved `addMany` is found again on reopen;
 * - when the append fails (disk full, read-only), the batch's additions are taken back out of
 *   memory before the error is thrown, so memory never claims what the disk does not hold and
 *   a retry of the same batch reports the same fingerprints as new;
 * - one process owns the directory at a time (the job directory store holds the lock).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Fingerprint, SeenFilter } from '../contracts.ts';
import { ErrorCodes, StoreError } from '../errors.ts';
import { CompactFingerprintSet } from './compact-fingerprint-set.ts';
import { SeenLog, type SeenLogOpenInfo, type SeenLogOptions, storeErrorFromFs } from './seen-log.ts';

/** Name of the log file inside the directory. */
export const SEEN_LOG_FILE = 'seen.log';

/** Options of {@link JobdirSeenFilter.open}. */
export type JobdirSeenFilterOptions = SeenLogOptions;

/** A durable, exact, compact seen set kept in a directory. */
export class JobdirSeenFilter implements SeenFilter {
  private readonly set: CompactFingerprintSet;
  private readonly log: SeenLog;
  private closed = false;

  private constructor(
    /** The directory holding the log. */
    readonly dir: string,
    log: SeenLog,
    set: CompactFingerprintSet,
  ) {
    this.log = log;
    this.set = set;
  }

  /**
   * Opens the seen set in `dir` (created when absent), loading every fingerprint of the log.
   * A torn tail is dropped and reported through `options.onWarning`.
   */
  static open(dir: string, options: JobdirSeenFilterOptions = {}): JobdirSeenFilter {
    if (!options.readOnly) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (error) {
        throw storeErrorFromFs(error, 'cannot create job directory', dir);
      }
    }
    const log = SeenLog.open(join(dir, SEEN_LOG_FILE), options);
    const set = new CompactFingerprintSet();
    try {
      set.bulkLoad((visit) => log.forEachBatch(visit));
    } catch (error) {
      log.close();
      throw error;
    }
    return new JobdirSeenFilter(dir, log, set);
  }

  /** What opening found (fingerprints in the log, torn bytes dropped). */
  get openInfo(): SeenLogOpenInfo {
    return this.log.openInfo;
  }

  /** Number of distinct fingerprints held. */
  get size(): number {
    return this.set.size;
  }

  /** Atomic test-and-set of a batch, durable once resolved; true where the fingerprint was new. */
  async addMany(fps: readonly Fingerprint[]): Promise<boolean[]> {
    return this.addManySync(fps);
  }

  /** The same test-and-set, synchronously: the new fingerprints are in the file when it returns. */
  addManySync(fps: readonly Fingerprint[]): boolean[] {
    this.assertOpen();
    const added = this.set.addMany(fps);
    const fresh: Fingerprint[] = [];
    for (let i = 0; i < fps.length; i++) if (added[i]) fresh.push(fps[i]);
    if (fresh.length === 0) return added;
    try {
      this.log.append(fresh);
    } catch (error) {
      for (const fp of fresh) this.set.delete(fp);
      throw error;
    }
    return added;
  }

  /** True when the fingerprint has been added. */
  has(fp: Fingerprint): boolean {
    this.assertOpen();
    return this.set.has(fp);
  }

  /** Calls `fn` with every stored fingerprint, in the order they were first added, batch by batch. */
  forEachBatch(fn: (payload: Uint8Array, count: number) => void): void {
    this.assertOpen();
    this.log.forEachBatch(fn);
  }

  /** Bytes of the log on disk. */
  diskBytes(): number {
    return this.log.byteLength;
  }

  /** Estimated bytes of memory held by the in-memory set. */
  bytesUsed(): number {
    return this.set.bytesUsed();
  }

  /** Flushes the log to stable storage (appends are already safe from process death). */
  sync(): void {
    this.log.sync();
  }

  /** Closes the log and frees memory; closing twice is harmless. */
  async close(): Promise<void> {
    this.closeSync();
  }

  /** Synchronous {@link close}. */
  closeSync(): void {
    this.closed = true;
    this.log.close();
    this.set.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(ErrorCodes.STORE_CLOSED, 'seen filter is closed');
  }
}
