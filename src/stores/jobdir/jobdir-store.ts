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
 *
 * This file holds the Store contract and what memory does once a record is written; opening is
 * in restore-jobdir.ts, the write order, seen marks and compaction in jobdir-log.ts, and the
 * records with the most to encode in enqueue-records.ts, commit-record.ts, seen-record.ts and
 * open-leases.ts.
 */
import * as fs from 'node:fs';
import type {
  CommitResult,
  FeedCheckpoint,
  HostPolicy,
  HostStats,
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
import { storeErrorFromFs } from '../../seen/seen-log.ts';
import { encodeCommit } from './commit-record.ts';
import { encodeEnqueue } from './enqueue-records.ts';
import type { EntryEncoder } from './entry-encoder.ts';
import { JobLock } from './job-lock.ts';
import { JobdirKV } from './jobdir-kv.ts';
import { checkFormat } from './jobdir-layout.ts';
import { JobdirLog } from './jobdir-log.ts';
import { openLeases } from './open-leases.ts';
import { recordChecksum } from './queue-log.ts';
import { RecordType } from './queue-records.ts';
import { RefFrontier } from './ref-frontier.ts';
import type { KvEntry } from './replay.ts';
import { restoreJobdir } from './restore-jobdir.ts';
import { encodeSeen } from './seen-record.ts';

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
  /** The queue log and seen journal, written in crash-safe order. */
  private readonly files: JobdirLog;
  private frontier: RefFrontier;
  private readonly policies = new Map<number, Partial<HostPolicy>>();
  private kvMap = new Map<string, KvEntry>();
  private done = 0;
  private failed = 0;
  private retired = 0;
  private items = 0;
  private feed: FeedCheckpoint | undefined;
  /** `files.enc`: the write buffer and host table. */
  private readonly enc: EntryEncoder;

  constructor(private readonly options: JobdirStoreOptions) {
    validateHostPolicy(options.hostPolicy);
    if (!(Number.isInteger(options.maxDeliveries) && options.maxDeliveries > 0)) {
      throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `maxDeliveries must be a whole number > 0 (got ${options.maxDeliveries})`);
    }
    this.dir = options.dir;
    this.frontier = new RefFrontier(options.hostPolicy, options.random);
    this.files = new JobdirLog({
      dir: this.dir,
      frontier: this.frontier,
      syncIntervalMs: options.syncIntervalMs ?? 1000,
      compactSlack: options.compactSlackBytes ?? 64 * 1024 * 1024,
      warn: (message) => this.warn(message),
      live: () => ({
        done: this.done,
        failed: this.failed,
        retired: this.retired,
        items: this.items,
        feed: this.feed,
        policies: this.policies,
        kv: this.kvMap,
      }),
    });
    this.enc = this.files.enc;
    this.kv = new JobdirKV((op) => this.writeKv(op), () => this.kvEntries());
    const files = this.files;
    this.seen = {
      addMany: (fps) => this.addSeen(fps),
      close: async () => {},
      get size() {
        return files.journal.size;
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
      this.files.close();
      this.lock.release();
      throw error;
    }
  }

  private load(): StoreOpenInfo {
    const r = restoreJobdir(this.dir, this.options.maxDeliveries, this.frontier, (m) => this.warn(m));
    this.files.adopt(r);
    this.done = r.done;
    this.failed = r.failed;
    this.retired = r.retired;
    this.items = r.items;
    this.feed = r.feed;
    this.enc.setHosts(r.hostNames);
    for (const [id, policy] of r.policies) this.policies.set(id, policy);
    this.kvMap = r.kv;
    this.files.checkpoint(true);
    const resumed = this.files.journal.size > 0 || this.frontier.pending > 0 || this.done + this.failed + this.retired > 0;
    const info: StoreOpenInfo = { resumed, recoveredLeases: r.recoveredLeases };
    if (this.feed !== undefined) info.feed = this.feed;
    return info;
  }

  /** Seeds or adds requests: the seen test-and-set and the push, in one record. */
  async enqueue(requests: QueuedRequest[]): Promise<boolean[]> {
    this.assertOpen();
    validateQueuedRequests(requests);
    const { tx, added } = encodeEnqueue(this.enc, requests);
    this.files.apply(tx);
    this.files.afterWrite();
    return added;
  }

  /** Leases up to `max` requests of ready hosts; each lease is logged (its delivery count is durable). */
  async lease(options: LeaseOptions): Promise<LeaseBatch> {
    this.assertOpen();
    const taken = this.frontier.take(options.max, options.now);
    if (taken.length === 0) return { leases: [], wakeAt: this.frontier.wakeAt(options.now) };
    const leases = openLeases(this.files, this.frontier, taken, options.now + options.leaseMs);
    this.files.maybeCheckpoint();
    return { leases, wakeAt: this.frontier.wakeAt(options.now) };
  }

  /** Settles a lease with its outcome — ack, new children, counters, feed checkpoint — in one record. */
  async commit(outcome: PageOutcome): Promise<CommitResult> {
    this.assertOpen();
    const lease = this.frontier.leases.get(outcome?.id);
    if (lease === undefined) throw unknownLease(outcome?.id);
    const c = encodeCommit(this.enc, lease.ref, outcome);
    this.files.apply(c.tx);
    this.frontier.settle(lease);
    if (c.done) this.done++;
    else this.failed++;
    this.items += c.items;
    if (c.feed) this.feed = c.feed;
    this.files.afterWrite();
    return { added: c.added };
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
    this.files.append();
    this.frontier.release(lease, retryAt);
    this.files.maybeCheckpoint();
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
      this.files.append();
    } catch (error) {
      for (const l of expired) this.frontier.open(l);
      throw error;
    }
    for (const l of back) this.frontier.release(l, Number.NaN);
    for (const l of gone) this.frontier.settle(l);
    this.retired += gone.length;
    this.files.afterWrite();
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
    this.files.apply(tx);
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
      seen: this.files.journal.size,
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
      this.files.checkpoint(true);
    } finally {
      this.files.close();
      this.lock?.release();
    }
  }

  /** Bytes on disk: queue log and seen log. */
  diskBytes(): { queue: number; seen: number } {
    return this.files.diskBytes();
  }

  /** Rewrites the queue log with only what is live (compact-queue-log.ts) and renumbers refs. */
  compact(): void {
    this.assertOpen();
    this.files.compact();
  }

  // ——— internals ———

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
    const { tx, added } = encodeSeen(this.enc, this.files.journal.set, fps);
    if (tx.fps.length === 0) return added;
    this.files.apply(tx);
    this.files.afterWrite();
    return added;
  }

  private writeKv(op: { k: string; v?: string; e?: number }): void {
    this.assertOpen();
    this.enc.w.reset();
    const r = this.enc.w.begin(RecordType.KV);
    this.enc.w.utf8(JSON.stringify(op));
    this.enc.w.end(r, recordChecksum);
    this.files.append();
    if (op.v === undefined) this.kvMap.delete(op.k);
    else this.kvMap.set(op.k, { v: op.v, e: op.e ?? Number.POSITIVE_INFINITY });
  }

  private kvEntries(): Map<string, KvEntry> {
    this.assertOpen();
    return this.kvMap;
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
