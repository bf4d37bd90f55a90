/**
 * The `jobdir` store: the embedded default. A crawl's seen set, frontier, counters, feed
 * checkpoint and kv live in one directory; pause, `kill -9`, resume: nothing lost, nothing
 * fetched twice, nothing written twice.
 *
 * Two files carry the state (see docs/jobdir.md): the queue log, where every change is ONE
 * checksummed record written with one write (a commit's ack, new children, counters and feed
 * checkpoint together), and the seen log of fingerprints. The order of writes makes a crash at
 * any instant safe:
 * 1. the seen test-and-set runs in memory (and is undone if step 2 fails);
 * 2. the record is appended to the queue log — this is the commit point;
 * 3. the new fingerprints are appended to the seen log (a failure leaves them in a backlog that
 *    is retried; they are already safe in the queue log);
 * 4. memory (frontier, counters) is updated.
 * Every second or so, the seen log is fsynced and a SEEN_MARK record saying "every fingerprint
 * of earlier records is in the seen log up to byte L" is appended. On open the seen log is cut
 * back to the last mark and the fingerprints of later records are added again, so a seen
 * fingerprint is always done (its commit record is durable) or queued (its entry is), even
 * after a power loss that keeps some writes and not others.
 *
 * Invariants: one process owns the directory (job-lock.ts); memory never runs ahead of the
 * queue log (a failed append changes nothing and throws a StoreError with a stable code).
 */
import * as fs from 'node:fs';
import type {
  CommitResult,
  FeedCheckpoint,
  HostPolicy,
  HostStats,
  Lease,
  LeaseBatch,
  LeaseOptions,
  PageOutcome,
  QueuedRequest,
  SeenFilter,
  Store,
  StoreCapabilities,
  StoreOpenInfo,
  StoreOptions,
} from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { validateHostPolicy } from '../../frontier/memory-frontier.ts';
import { validateQueuedRequests } from '../../frontier/validate-request.ts';
import { checkFingerprint } from '../../seen/compact-fingerprint-set.ts';
import { storeErrorFromFs } from '../../seen/seen-log.ts';
import { compactQueueLog } from './compact-queue-log.ts';
import { JobLock } from './job-lock.ts';
import { JobdirKV } from './jobdir-kv.ts';
import { JOBDIR_FORMAT, checkFormat } from './jobdir-layout.ts';
import { type QueueLog, recordChecksum } from './queue-log.ts';
import { EntryEncoder, type Tx } from './entry-encoder.ts';
import { MAX_RECORD_BYTES, RecordType, decodeEntry } from './queue-records.ts';
import { RefFrontier, type RefLease } from './ref-frontier.ts';
import type { KvEntry, LogHeader } from './replay.ts';
import { restoreJobdir } from './restore-jobdir.ts';
import type { SeenJournal } from './seen-journal.ts';

/** Options of a JobdirStore. */
export interface JobdirStoreOptions extends StoreOptions {
  /** The job directory (created when absent). */
  dir: string;
  /** Receives warnings (a torn tail dropped, a dead owner's lock taken over); default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** Milliseconds between seen-log syncs and seen marks. Default 1000. */
  syncIntervalMs?: number;
  /** The queue log is compacted once it holds this many bytes more than twice its live data. Default 64 MiB. */
  compactSlackBytes?: number;
  /** Jitter source in [0, 1) (tests). */
  random?: () => number;
}

/** An enqueue is split into ENTRIES records of about this many bytes. */
const ENTRIES_RECORD_BYTES = 4 * 1024 * 1024;

const CAPABILITIES: StoreCapabilities = Object.freeze({ durable: true, shared: false, items: false, feedCheckpoint: true });

/** The job-directory store. Create, then `open()`. */
export class JobdirStore implements Store {
  readonly kind = 'jobdir';
  readonly capabilities = CAPABILITIES;
  readonly seen: SeenFilter;
  readonly kv: JobdirKV;
  readonly dir: string;

  private state: 'new' | 'open' | 'closed' = 'new';
  private lock: JobLock | null = null;
  private log!: QueueLog;
  private generation = 0;
  private createdAt = 0;
  private journal!: SeenJournal;
  private frontier: RefFrontier;
  private readonly policies = new Map<number, Partial<HostPolicy>>();
  private kvMap = new Map<string, KvEntry>();
  private done = 0;
  private failed = 0;
  private retired = 0;
  private items = 0;
  private feed: FeedCheckpoint | undefined;
  private lastSync = 0;
  private readonly enc = new EntryEncoder(() => this.journal.set);
  private readonly syncIntervalMs: number;
  private readonly compactSlack: number;
  /** No compaction below this log size (raised after a failed one). */
  private compactAfter: number;

  constructor(private readonly options: JobdirStoreOptions) {
    validateHostPolicy(options.hostPolicy);
    if (!(Number.isInteger(options.maxDeliveries) && options.maxDeliveries > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `maxDeliveries must be a whole number > 0 (got ${options.maxDeliveries})`);
    }
    this.dir = options.dir;
    this.syncIntervalMs = options.syncIntervalMs ?? 1000;
    this.compactSlack = options.compactSlackBytes ?? 64 * 1024 * 1024;
    this.compactAfter = this.compactSlack;
    this.frontier = new RefFrontier(options.hostPolicy, options.random);
    this.kv = new JobdirKV((op) => this.writeKv(op), () => this.kvEntries());
    const store = this;
    this.seen = {
      addMany: (fps) => store.addSeen(fps),
      close: async () => {},
      get size() {
        return store.journal.size;
      },
    };
  }

  /** Opens the directory: format check, lock, replay, seen set, recovery of dead leases. */
  async open(): Promise<StoreOpenInfo> {
    if (this.state === 'closed') throw closedError();
    if (this.state === 'open') throw new StoreError(ErrorCodes.STORE_IO, `job directory ${this.dir} is already open`);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw storeErrorFromFs(error, 'cannot create job directory', this.dir);
    }
    checkFormat(this.dir, false);
    this.lock = JobLock.acquire(this.dir);
    if (this.lock.tookOver) {
      this.warn(`job directory ${this.dir}: took over the lock of dead process ${this.lock.tookOver.pid}`);
    }
    try {
      const info = this.load();
      this.state = 'open';
      return info;
    } catch (error) {
      this.closeFiles();
      this.lock.release();
      throw error;
    }
  }

  private load(): StoreOpenInfo {
    const r = restoreJobdir(this.dir, this.options.maxDeliveries, this.frontier, (m) => this.warn(m));
    this.log = r.log;
    this.journal = r.journal;
    this.generation = r.generation;
    this.createdAt = r.createdAt;
    this.done = r.done;
    this.failed = r.failed;
    this.retired = r.retired;
    this.items = r.items;
    this.feed = r.feed;
    this.enc.setHosts(r.hostNames);
    for (const [id, policy] of r.policies) this.policies.set(id, policy);
    this.kvMap = r.kv;
    this.checkpoint(true);
    const resumed = this.journal.size > 0 || this.frontier.pending > 0 || this.done + this.failed + this.retired > 0;
    const info: StoreOpenInfo = { resumed, recoveredLeases: r.recoveredLeases };
    if (this.feed !== undefined) info.feed = this.feed;
    return info;
  }

  /** Seeds or adds requests: the seen test-and-set and the push, in one record. */
  async enqueue(requests: QueuedRequest[]): Promise<boolean[]> {
    this.assertOpen();
    validateQueuedRequests(requests);
    this.enc.w.reset();
    const tx = this.enc.begin();
    const added = new Array<boolean>(requests.length);
    const hostIds = this.enc.hostIdsOf(requests, tx);
    for (let from = 0; from < requests.length; ) {
      const r = this.enc.w.begin(RecordType.ENTRIES);
      const countAt = this.enc.w.length;
      this.enc.w.u32(0);
      const { n, next } = this.enc.entries(requests, hostIds, from, added, tx, r + ENTRIES_RECORD_BYTES);
      this.enc.w.buf.writeUInt32LE(n, countAt);
      this.enc.w.end(r, recordChecksum);
      from = next;
    }
    this.apply(tx);
    this.afterWrite();
    return added;
  }

  /** Leases up to `max` requests of ready hosts; each lease is logged (its delivery count is durable). */
  async lease(options: LeaseOptions): Promise<LeaseBatch> {
    this.assertOpen();
    const taken = this.frontier.take(options.max, options.now);
    if (taken.length === 0) return { leases: [], wakeAt: this.frontier.wakeAt(options.now) };
    const expiresAt = options.now + options.leaseMs;
    // Read the entries in file order so that one cached block serves many of them.
    const order = taken.map((_, i) => i).sort((a, b) => taken[a].ref - taken[b].ref);
    const opened = new Array<RefLease>(taken.length);
    try {
      for (const i of order) {
        const t = taken[i];
        const head = this.log.read(t.ref, 4);
        const length = head.buf.readUInt32LE(head.at);
        const { buf, at } = this.log.read(t.ref, length);
        const request = decodeEntry(buf, at, t.slot.host);
        opened[i] = { ref: t.ref, length, request, deliveries: t.deliveries, expiresAt, slot: t.slot };
      }
    } catch (error) {
      for (const t of taken) this.frontier.untakeRef(t.ref, t.slot, t.deliveries);
      throw error instanceof StoreError ? error : new StoreError(ErrorCodes.STORE_CORRUPT, `${this.log.path}: unreadable entry`, { cause: error });
    }
    this.enc.w.reset();
    const r = this.enc.w.begin(RecordType.LEASE);
    this.enc.w.u32(taken.length);
    for (const t of taken) this.enc.w.f64(t.ref);
    this.enc.w.end(r, recordChecksum);
    try {
      this.log.append(this.enc.w.buf.subarray(0, this.enc.w.length));
    } catch (error) {
      for (const l of opened) this.frontier.untakeRef(l.ref, l.slot, l.deliveries, l.request.priority, l.request.depth);
      throw error;
    }
    const leases: Lease[] = new Array(opened.length);
    for (let i = 0; i < opened.length; i++) {
      const l = opened[i];
      this.frontier.open(l);
      leases[i] = { request: l.request, deliveries: l.deliveries, expiresAt };
    }
    this.maybeCheckpoint();
    return { leases, wakeAt: this.frontier.wakeAt(options.now) };
  }

  /** Settles a lease with its outcome — ack, new children, counters, feed checkpoint — in one record. */
  async commit(outcome: PageOutcome): Promise<CommitResult> {
    this.assertOpen();
    const lease = this.frontier.leases.get(outcome?.id);
    if (lease === undefined) throw unknownLease(outcome?.id);
    const result = outcome.result;
    if (result?.kind !== 'done' && result?.kind !== 'failed') {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `commit of ${outcome.id}: result.kind must be "done" or "failed"`);
    }
    const children = outcome.children ?? [];
    validateQueuedRequests(children);
    const items = outcome.items?.length ?? 0;
    const meta: Record<string, unknown> = {};
    if (outcome.feed) meta.feed = { path: String(outcome.feed.path), offset: Number(outcome.feed.offset) };
    if (result.kind === 'failed') meta.code = result.code;
    this.enc.w.reset();
    const tx = this.enc.begin();
    const added = new Array<boolean>(children.length);
    const hostIds = this.enc.hostIdsOf(children, tx);
    const r = this.enc.w.begin(RecordType.COMMIT);
    this.enc.w.f64(lease.ref);
    this.enc.w.u8(result.kind === 'done' ? 0 : 1);
    this.enc.w.u32(items);
    this.enc.w.str(JSON.stringify(meta));
    const countAt = this.enc.w.length;
    this.enc.w.u32(0);
    const { n } = this.enc.entries(children, hostIds, 0, added, tx, Number.POSITIVE_INFINITY);
    this.enc.w.buf.writeUInt32LE(n, countAt);
    this.enc.w.end(r, recordChecksum);
    if (this.enc.w.length - r > MAX_RECORD_BYTES) {
      this.enc.undo(tx);
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `commit of ${outcome.id} is too large (${this.enc.w.length - r} bytes; at most ${MAX_RECORD_BYTES})`);
    }
    this.apply(tx);
    this.frontier.settle(lease);
    if (result.kind === 'done') this.done++;
    else this.failed++;
    this.items += items;
    if (meta.feed) this.feed = meta.feed as FeedCheckpoint;
    this.afterWrite();
    return { added };
  }

  /** Gives a leased request back to the queue, ready again at `retryAt`. */
  async release(id: string, retryAt: number): Promise<void> {
    this.assertOpen();
    const lease = this.frontier.leases.get(id);
    if (lease === undefined) throw unknownLease(id);
    this.enc.w.reset();
    const r = this.enc.w.begin(RecordType.RELEASE);
    this.enc.w.f64(lease.ref);
    this.enc.w.f64(retryAt);
    this.enc.w.end(r, recordChecksum);
    this.log.append(this.enc.w.buf.subarray(0, this.enc.w.length));
    this.frontier.release(lease, retryAt);
    this.maybeCheckpoint();
  }

  /** Returns leases expired at `now` to the queue; those past `maxDeliveries` are retired. */
  async expireLeases(now: number): Promise<number> {
    this.assertOpen();
    const expired = this.frontier.expired(now);
    if (expired.length === 0) return 0;
    const back = expired.filter((l) => l.deliveries < this.options.maxDeliveries);
    const gone = expired.filter((l) => l.deliveries >= this.options.maxDeliveries);
    this.enc.w.reset();
    this.expireRecord(
      back.map((l) => l.ref),
      gone.map((l) => l.ref),
    );
    try {
      this.log.append(this.enc.w.buf.subarray(0, this.enc.w.length));
    } catch (error) {
      for (const l of expired) this.frontier.open(l);
      throw error;
    }
    for (const l of back) this.frontier.release(l, Number.NaN);
    for (const l of gone) this.frontier.settle(l);
    this.retired += gone.length;
    this.afterWrite();
    return back.length;
  }

  /** Sets the politeness of one host (logged, so it survives a restart). */
  async setHostPolicy(host: string, policy: Partial<HostPolicy>): Promise<void> {
    this.assertOpen();
    validateHostPolicy(policy);
    const name = String(host).toLowerCase();
    const tx = this.enc.begin();
    this.enc.w.reset();
    const id = this.enc.hostId(name, tx);
    const clean: Partial<HostPolicy> = {};
    for (const key of ['concurrency', 'delayMs', 'jitterMs'] as const) if (policy[key] !== undefined) clean[key] = policy[key];
    const r = this.enc.w.begin(RecordType.POLICY);
    this.enc.w.u32(id);
    this.enc.w.utf8(JSON.stringify(clean));
    this.enc.w.end(r, recordChecksum);
    this.apply(tx);
    this.policies.set(id, { ...this.policies.get(id), ...clean });
    this.frontier.scheduler.setPolicy(name, clean);
  }

  /** Counts: pending, leased, done, failed, retired, seen, items. */
  async stats() {
    this.assertOpen();
    return {
      pending: this.frontier.pending,
      leased: this.frontier.leases.size,
      done: this.done,
      failed: this.failed,
      retired: this.retired,
      seen: this.journal.size,
      items: this.items,
    };
  }

  /** Hosts with pending or leased requests, largest queue first. */
  async hostStats(limit?: number): Promise<HostStats[]> {
    this.assertOpen();
    return this.frontier.hostStats(limit);
  }

  /** True when nothing is pending and no lease is open. */
  async isFinished(): Promise<boolean> {
    this.assertOpen();
    return this.frontier.pending === 0 && this.frontier.leases.size === 0;
  }

  /** Syncs both logs, marks the seen log, releases the lock. Open leases return to the queue on the next open. */
  async close(): Promise<void> {
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    this.state = 'closed';
    try {
      this.checkpoint(true);
    } finally {
      this.closeFiles();
      this.lock?.release();
    }
  }

  /** Bytes on disk: queue log and seen log. */
  diskBytes(): { queue: number; seen: number } {
    return { queue: this.log.byteLength, seen: this.journal.byteLength };
  }

  // ——— internals ———

  /** Appends the encoded record(s); on failure undoes the seen additions and new host ids. */
  private apply(tx: Tx): void {
    let start: number;
    try {
      start = this.log.append(this.enc.w.buf.subarray(0, this.enc.w.length));
    } catch (error) {
      this.enc.undo(tx);
      throw error;
    }
    const p = tx.pushes;
    for (let i = 0; i < p.length; i += 5) this.frontier.push(this.enc.hostNames[p[i]], start + p[i + 1], p[i + 2], p[i + 3], p[i + 4]);
    this.journal.append(tx.fps);
  }

  private expireRecord(back: number[], gone: number[]): void {
    const r = this.enc.w.begin(RecordType.EXPIRE);
    this.enc.w.u32(back.length);
    for (const ref of back) this.enc.w.f64(ref);
    this.enc.w.u32(gone.length);
    for (const ref of gone) this.enc.w.f64(ref);
    this.enc.w.end(r, recordChecksum);
  }

  /** `store.seen.addMany`: a SEEN record, then the seen log. */
  private async addSeen(fps: readonly Uint8Array[]): Promise<boolean[]> {
    this.assertOpen();
    for (const fp of fps) checkFingerprint(fp);
    const tx = this.enc.begin();
    const added = fps.map((fp) => {
      const isNew = this.journal.set.add(fp);
      if (isNew) tx.fps.push(Uint8Array.from(fp));
      return isNew;
    });
    if (tx.fps.length === 0) return added;
    this.enc.w.reset();
    const r = this.enc.w.begin(RecordType.SEEN);
    this.enc.w.u32(tx.fps.length);
    for (const fp of tx.fps) this.enc.w.bytes(fp);
    this.enc.w.end(r, recordChecksum);
    this.apply(tx);
    this.afterWrite();
    return added;
  }

  private writeKv(op: { k: string; v?: string; e?: number }): void {
    this.assertOpen();
    this.enc.w.reset();
    const r = this.enc.w.begin(RecordType.KV);
    this.enc.w.utf8(JSON.stringify(op));
    this.enc.w.end(r, recordChecksum);
    this.log.append(this.enc.w.buf.subarray(0, this.enc.w.length));
    if (op.v === undefined) this.kvMap.delete(op.k);
    else this.kvMap.set(op.k, { v: op.v, e: op.e ?? Number.POSITIVE_INFINITY });
  }

  private kvEntries(): Map<string, KvEntry> {
    this.assertOpen();
    return this.kvMap;
  }

  /**
   * After a successful write: checkpoint when due, compact when the log is mostly dead. A
   * failed compaction is reported, not thrown (the write itself succeeded), and is not tried
   * again until the log has grown by another slack.
   */
  private afterWrite(): void {
    this.maybeCheckpoint();
    const size = this.log.byteLength;
    if (size < this.compactAfter || size <= 2 * this.frontier.liveBytes + this.compactSlack) return;
    try {
      this.compact();
      this.compactAfter = this.compactSlack;
    } catch (error) {
      this.compactAfter = size + this.compactSlack;
      this.warn(`compaction of ${this.dir} failed, the crawl goes on with the uncompacted log: ${(error as Error).message}`);
    }
  }

  private maybeCheckpoint(): void {
    if (Date.now() - this.lastSync >= this.syncIntervalMs) this.checkpoint(false);
  }

  /**
   * Syncs the seen log, then records its length as the seen mark, then syncs the queue log.
   * Skipped while fingerprints wait in the backlog (the mark would claim them).
   */
  private checkpoint(force: boolean): void {
    this.lastSync = Date.now();
    const journal = this.journal;
    if (!journal.flushBacklog()) return;
    const length = journal.byteLength;
    if (length === journal.markedLength && !force) return;
    journal.sync();
    if (length !== journal.markedLength) {
      this.enc.w.reset();
      const r = this.enc.w.begin(RecordType.SEEN_MARK);
      this.enc.w.f64(length);
      this.enc.w.end(r, recordChecksum);
      this.log.append(this.enc.w.buf.subarray(0, this.enc.w.length));
      journal.markedLength = length;
    }
    this.log.sync();
  }

  /** Rewrites the queue log with only what is live (compact-queue-log.ts) and renumbers refs. */
  compact(): void {
    this.assertOpen();
    if (!this.journal.flushBacklog()) return;
    this.journal.sync();
    const seenMark = this.journal.byteLength;
    const { live, states } = this.frontier.liveRefs();
    const { log, refs } = compactQueueLog({
      dir: this.dir,
      generation: this.generation + 1,
      oldLog: this.log,
      header: { ...this.header(), generation: this.generation + 1, seenMark },
      hosts: this.enc.hostNames,
      policies: this.policies,
      kv: this.kvMap,
      live,
      states,
    });
    this.log = log;
    this.generation++;
    this.journal.markedLength = seenMark;
    this.frontier.remapSorted(live, refs);
    this.lastSync = Date.now();
  }

  private header(): LogHeader {
    const h: LogHeader = {
      format: JOBDIR_FORMAT,
      generation: this.generation,
      createdAt: this.createdAt,
      done: this.done,
      failed: this.failed,
      retired: this.retired,
      items: this.items,
      seenMark: this.journal.markedLength,
    };
    if (this.feed) h.feed = this.feed;
    return h;
  }

  private closeFiles(): void {
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

  private warn(message: string): void {
    if (this.options.onWarning) this.options.onWarning(message);
    else process.emitWarning(message, 'SuperfilterWarning');
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw closedError();
  }
}

function closedError(): StoreError {
  return new StoreError(ErrorCodes.STORE_CLOSED, 'job directory store is not open');
}

function unknownLease(id: unknown): StoreError {
  return new StoreError(ErrorCodes.STORE_UNKNOWN_LEASE, `no open lease for request ${String(id)}`, { details: { id } });
}
