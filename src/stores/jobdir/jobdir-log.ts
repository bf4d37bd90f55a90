/**
 * The open files of a job directory — the current queue-log generation and the seen journal —
 * and the order in which they are written, which is what makes a crash at any instant safe:
 * the queue-log append is the commit point, the seen log follows it, memory changes last.
 * Every `syncIntervalMs` or so the seen log is fsynced and a SEEN_MARK record naming its length
 * is appended, so that on open the seen log can be cut back to a length the queue log vouches
 * for; once the queue log is mostly dead it is compacted into a new generation.
 *
 * Invariants:
 * - a failed append changes nothing in memory: `apply` takes back the seen additions and new
 *   host ids of its write before the error goes on;
 * - a seen mark never claims a fingerprint the seen log may not hold: none is written while
 *   the journal's backlog is not empty, and the seen log is synced before the mark;
 * - a failed compaction is not tried again until the log has grown by another slack, so a full
 *   disk does not turn every write into an attempt to copy the whole log.
 */
import type { FeedCheckpoint, HostPolicy } from '../../contracts.ts';
import { compactQueueLog } from './compact-queue-log.ts';
import { EntryEncoder, type Tx } from './entry-encoder.ts';
import { JOBDIR_FORMAT } from './jobdir-layout.ts';
import { type QueueLog, recordChecksum } from './queue-log.ts';
import { RecordType } from './queue-records.ts';
import type { RefFrontier } from './ref-frontier.ts';
import type { KvEntry, LogHeader } from './replay.ts';
import type { Restored } from './restore-jobdir.ts';
import type { SeenJournal } from './seen-journal.ts';

/** What compaction copies from the store besides the entries: counters, feed checkpoint, policies, kv. */
export interface LiveState {
  done: number;
  failed: number;
  retired: number;
  items: number;
  feed: FeedCheckpoint | undefined;
  policies: ReadonlyMap<number, Partial<HostPolicy>>;
  kv: ReadonlyMap<string, KvEntry>;
}

/** How a JobdirLog is set up. */
export interface JobdirLogOptions {
  dir: string;
  frontier: RefFrontier;
  /** Milliseconds between seen-log syncs and seen marks. */
  syncIntervalMs: number;
  /** The queue log is compacted once it holds this many bytes more than twice its live data. */
  compactSlack: number;
  warn: (message: string) => void;
  /** The store's current live state, read when compacting. */
  live: () => LiveState;
}

/** The queue log and seen journal of an open job directory, with checkpoints and compaction. */
export class JobdirLog {
  /** The write buffer and host table every record is encoded with. */
  readonly enc = new EntryEncoder(() => this.journal.set);
  log!: QueueLog;
  journal!: SeenJournal;
  generation = 0;
  private createdAt = 0;
  private lastSync = 0;
  /** No compaction below this log size (raised after a failed one). */
  private compactAfter: number;

  constructor(private readonly options: JobdirLogOptions) {
    this.compactAfter = options.compactSlack;
  }

  /** Takes over the files (and their generation) that opening the directory found. */
  adopt(restored: Restored): void {
    this.log = restored.log;
    this.journal = restored.journal;
    this.generation = restored.generation;
    this.createdAt = restored.createdAt;
  }

  /** Appends the records encoded in the write buffer (one write, all or nothing); returns their file offset. */
  append(): number {
    const w = this.enc.w;
    return this.log.append(w.buf.subarray(0, w.length));
  }

  /** Appends the encoded record(s); on failure undoes the seen additions and new host ids. */
  apply(tx: Tx): void {
    const enc = this.enc;
    let start: number;
    try {
      start = this.log.append(enc.w.buf.subarray(0, enc.w.length));
    } catch (error) {
      enc.undo(tx);
      throw error;
    }
    const p = tx.pushes;
    const frontier = this.options.frontier;
    for (let i = 0; i < p.length; i += 5) frontier.push(enc.hostNames[p[i]], start + p[i + 1], p[i + 2], p[i + 3], p[i + 4]);
    this.journal.append(tx.fps);
  }

  /**
   * After a successful write: checkpoint when due, compact when the log is mostly dead. A
   * failed compaction is reported, not thrown (the write itself succeeded), and is not tried
   * again until the log has grown by another slack.
   */
  afterWrite(): void {
    this.maybeCheckpoint();
    const size = this.log.byteLength;
    const slack = this.options.compactSlack;
    if (size < this.compactAfter || size <= 2 * this.options.frontier.liveBytes + slack) return;
    try {
      this.compact();
      this.compactAfter = slack;
    } catch (error) {
      this.compactAfter = size + slack;
      this.options.warn(`compaction of ${this.options.dir} failed, the crawl goes on with the uncompacted log: ${(error as Error).message}`);
    }
  }

  /** Checkpoints once `syncIntervalMs` has passed since the last one. */
  maybeCheckpoint(): void {
    if (Date.now() - this.lastSync >= this.options.syncIntervalMs) this.checkpoint(false);
  }

  /**
   * Syncs the seen log, then records its length as the seen mark, then syncs the queue log.
   * Skipped while fingerprints wait in the backlog (the mark would claim them).
   */
  checkpoint(force: boolean): void {
    this.lastSync = Date.now();
    const journal = this.journal;
    if (!journal.flushBacklog()) return;
    const length = journal.byteLength;
    if (length === journal.markedLength && !force) return;
    journal.sync();
    if (length !== journal.markedLength) {
      const w = this.enc.w;
      w.reset();
      const r = w.begin(RecordType.SEEN_MARK);
      w.f64(length);
      w.end(r, recordChecksum);
      this.log.append(w.buf.subarray(0, w.length));
      journal.markedLength = length;
    }
    this.log.sync();
  }

  /** Rewrites the queue log with only what is live (compact-queue-log.ts) and renumbers refs. */
  compact(): void {
    if (!this.journal.flushBacklog()) return;
    this.journal.sync();
    const seenMark = this.journal.byteLength;
    const frontier = this.options.frontier;
    const { live, states } = frontier.liveRefs();
    const state = this.options.live();
    const generation = this.generation + 1;
    const header: LogHeader = {
      format: JOBDIR_FORMAT,
      generation,
      createdAt: this.createdAt,
      done: state.done,
      failed: state.failed,
      retired: state.retired,
      items: state.items,
      seenMark,
    };
    if (state.feed) header.feed = state.feed;
    const { log, refs } = compactQueueLog({
      dir: this.options.dir,
      generation,
      oldLog: this.log,
      header,
      hosts: this.enc.hostNames,
      policies: state.policies,
      kv: state.kv,
      live,
      states,
    });
    this.log = log;
    this.generation++;
    this.journal.markedLength = seenMark;
    frontier.remapSorted(live, refs);
    this.lastSync = Date.now();
  }

  /** Bytes on disk: queue log and seen log. */
  diskBytes(): { queue: number; seen: number } {
    return { queue: this.log.byteLength, seen: this.journal.byteLength };
  }

  /** Closes both files; files never opened or already closed are skipped. */
  close(): void {
    try {
      this.log?.close();
    } catch {
      // already closed
    }
    try {
      this.journal?.close();
    } catch {
      // already closed
    }
  }
}
