/**
 * The job directory's seen set: the in-memory CompactFingerprintSet and its durable form,
 * `seen.log`, with the "seen mark" bookkeeping that ties the log to the queue log.
 *
 * Invariants:
 * - `markedLength` is the seen-log length last recorded by a SEEN_MARK (or header) in the
 *   queue log: every fingerprint of every earlier queue-log record is in the log below it;
 * - fingerprints whose append failed wait in `backlog` (they are already durable in the queue
 *   log) and are retried before anything else is appended; no mark is taken while it is not
 *   empty, since a mark would claim them;
 * - on open, the log is cut back to the recorded mark: fingerprints past it may belong to queue
 *   records a power loss dropped; the caller adds back those of the records that survived.
 */
import * as fs from 'node:fs';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { CompactFingerprintSet } from '../../seen/compact-fingerprint-set.ts';
import { SeenLog, storeErrorFromFs } from '../../seen/seen-log.ts';

/** The seen set of a job directory. */
export class SeenJournal {
  readonly set = new CompactFingerprintSet();
  markedLength = 0;
  private backlog: Uint8Array[] = [];

  private constructor(
    private readonly log: SeenLog,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * Opens `path`, first cutting it back to `mark` (null: a new queue log, keep the file whole),
   * and loads every fingerprint. SF_STORE_CORRUPT when the file is shorter than `mark`.
   */
  static open(path: string, mark: number | null, warn: (message: string) => void): SeenJournal {
    if (mark !== null) {
      let size = 0;
      try {
        size = fs.statSync(path).size;
      } catch {
        size = 0;
      }
      if (size < mark) {
        throw new StoreError(
          ErrorCodes.STORE_CORRUPT,
          `${path} holds ${size} bytes but ${mark} were recorded as durable: the seen log was truncated or lost`,
          { details: { path, size, mark } },
        );
      }
      if (size > mark) {
        try {
          fs.truncateSync(path, mark);
        } catch (error) {
          throw storeErrorFromFs(error, 'cannot truncate seen log', path);
        }
      }
    }
    const log = SeenLog.open(path, { onWarning: warn });
    const journal = new SeenJournal(log, warn);
    try {
      journal.set.bulkLoad((visit) => log.forEachBatch(visit));
    } catch (error) {
      log.close();
      throw error;
    }
    journal.markedLength = log.byteLength;
    return journal;
  }

  /** Distinct fingerprints held. */
  get size(): number {
    return this.set.size;
  }

  /** Bytes of the log (whole batches appended so far). */
  get byteLength(): number {
    return this.log.byteLength;
  }

  /**
   * Appends fingerprints that are already durable in the queue log. A failure is not thrown:
   * copies (the views may point into a reused buffer) wait in the backlog for the next try.
   */
  append(fps: Uint8Array[]): void {
    if (fps.length === 0) return;
    if (this.backlog.length === 0) {
      try {
        this.log.append(fps);
        return;
      } catch (error) {
        this.warn(`seen log append failed (${(error as Error).message}); kept in the queue log and retried`);
      }
    }
    for (const fp of fps) this.backlog.push(Uint8Array.from(fp));
    this.flushBacklog();
  }

  /** Retries the backlog; true when it is empty. */
  flushBacklog(): boolean {
    if (this.backlog.length === 0) return true;
    try {
      this.log.append(this.backlog);
      this.backlog = [];
      return true;
    } catch {
      return false;
    }
  }

  /** Flushes the log to stable storage. */
  sync(): void {
    this.log.sync();
  }

  /** Closes the log and frees the set; closing twice is harmless. */
  close(): void {
    this.log.close();
    this.set.clear();
  }
}
