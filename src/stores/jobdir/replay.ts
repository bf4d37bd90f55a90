/**
 * Rebuilds the state of a job directory from its queue log, in two sequential passes.
 *
 * Pass 1 reads every record except the entries themselves: counters, hosts, policies, kv, the
 * feed checkpoint, the last seen mark, the delivery state of leased requests, and the refs of
 * requests that were settled (acked, failed, retired). Pass 2 walks the entries and hands each
 * one still pending to `onPending`, and collects the fingerprints written after the last seen
 * mark (those may be missing from the seen log and are added again).
 *
 * Two passes keep memory small: pass 1 skips entry bytes, pass 2 needs only the sorted list of
 * settled refs, never a map of every request. Refs inside one file only grow, so pass 2 checks
 * them against the sorted settled list with a moving cursor.
 */
import type { FeedCheckpoint, HostPolicy } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import type { QueueLog } from './queue-log.ts';
import { ENTRY_HEADER_BYTES, MAX_RECORD_BYTES, RecordType } from './queue-records.ts';

/** The JSON of a HEADER record. */
export interface LogHeader {
  format: number;
  generation: number;
  createdAt: number;
  done: number;
  failed: number;
  retired: number;
  items: number;
  seenMark: number;
  feed?: FeedCheckpoint;
}

/** Delivery state of a request leased at least once and not settled. */
export interface LeaseState {
  deliveries: number;
  /** Held back until this epoch ms (released with a retry time), or NaN. */
  readyAt: number;
  /** Leased when the log ended: its holder died. */
  leased: boolean;
}

/** A kv entry: value and expiry (epoch ms, Infinity when none). */
export interface KvEntry {
  v: string;
  e: number;
}

/** Everything pass 1 learns. */
export interface ReplayState {
  header: LogHeader;
  done: number;
  failed: number;
  retired: number;
  items: number;
  feed?: FeedCheckpoint;
  seenMark: number;
  /** File offset of the record holding the last seen mark (the header when none). */
  seenMarkAt: number;
  hosts: string[];
  policies: Map<number, Partial<HostPolicy>>;
  kv: Map<string, KvEntry>;
  leases: Map<number, LeaseState>;
  /** End of the whole records; bytes past it are a torn tail. */
  end: number;
  tornBytes: number;
}

/** Handed each pending entry by pass 2. */
export type PendingVisitor = (ref: number, hostId: number, priority: number, depth: number, length: number) => void;

class Growable {
  data = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = v;
  }
}

function corrupt(log: QueueLog, why: string): StoreError {
  return new StoreError(ErrorCodes.STORE_CORRUPT, `${log.path}: ${why}`, { details: { path: log.path } });
}

/** Pass 1 over `log`. Throws SF_STORE_CORRUPT when the file does not start with a valid header. */
export function replayRecords(log: QueueLog): { state: ReplayState; settled: Float64Array } {
  let header: LogHeader | undefined;
  const state = {
    done: 0,
    failed: 0,
    retired: 0,
    items: 0,
    seenMark: 0,
    seenMarkAt: 0,
    hosts: [] as string[],
    policies: new Map<number, Partial<HostPolicy>>(),
    kv: new Map<string, KvEntry>(),
    leases: new Map<number, LeaseState>(),
  } as ReplayState;
  const settled = new Growable();
  const settle = (ref: number) => {
    state.leases.delete(ref);
    settled.push(ref);
  };
  const scan = log.scan((buf, at, length, fileOffset) => {
    const type = buf[at];
    if (header === undefined) {
      if (type !== RecordType.HEADER) throw corrupt(log, 'does not start with a queue-log header');
      header = JSON.parse(buf.toString('utf8', at + 1, at + length)) as LogHeader;
      Object.assign(state, {
        header,
        done: header.done,
        failed: header.failed,
        retired: header.retired,
        items: header.items,
        feed: header.feed,
        seenMark: header.seenMark,
        seenMarkAt: fileOffset,
      });
      return;
    }
    let p = at + 1;
    switch (type) {
      case RecordType.HOST:
        state.hosts[buf.readUInt32LE(p)] = buf.toString('utf8', p + 4, at + length);
        break;
      case RecordType.COMMIT: {
        const ref = buf.readDoubleLE(p);
        const kind = buf[p + 8];
        state.items += buf.readUInt32LE(p + 9);
        const metaLength = buf.readUInt32LE(p + 13);
        const meta = JSON.parse(buf.toString('utf8', p + 17, p + 17 + metaLength)) as { feed?: FeedCheckpoint };
        if (meta.feed) state.feed = meta.feed;
        if (kind === 0) state.done++;
        else state.failed++;
        settle(ref);
        break;
      }
      case RecordType.LEASE: {
        const n = buf.readUInt32LE(p);
        p += 4;
        for (let i = 0; i < n; i++, p += 8) {
          const ref = buf.readDoubleLE(p);
          const s = state.leases.get(ref);
          if (s === undefined) state.leases.set(ref, { deliveries: 1, readyAt: Number.NaN, leased: true });
          else {
            s.deliveries++;
            s.leased = true;
            s.readyAt = Number.NaN;
          }
        }
        break;
      }
      case RecordType.RELEASE: {
        const s = state.leases.get(buf.readDoubleLE(p));
        if (s !== undefined) {
          s.leased = false;
          s.readyAt = buf.readDoubleLE(p + 8);
        }
        break;
      }
      case RecordType.EXPIRE: {
        const n = buf.readUInt32LE(p);
        p += 4;
        for (let i = 0; i < n; i++, p += 8) {
          const s = state.leases.get(buf.readDoubleLE(p));
          if (s !== undefined) s.leased = false;
        }
        const m = buf.readUInt32LE(p);
        p += 4;
        for (let i = 0; i < m; i++, p += 8) settle(buf.readDoubleLE(p));
        state.retired += m;
        break;
      }
      case RecordType.POLICY: {
        const id = buf.readUInt32LE(p);
        const policy = JSON.parse(buf.toString('utf8', p + 4, at + length)) as Partial<HostPolicy>;
        state.policies.set(id, { ...state.policies.get(id), ...policy });
        break;
      }
      case RecordType.KV: {
        const op = JSON.parse(buf.toString('utf8', p, at + length)) as { k: string; v?: string; e?: number };
        if (op.v === undefined) state.kv.delete(op.k);
        else state.kv.set(op.k, { v: op.v, e: op.e ?? Number.POSITIVE_INFINITY });
        break;
      }
      case RecordType.SEEN_MARK:
        state.seenMark = buf.readDoubleLE(p);
        state.seenMarkAt = fileOffset;
        break;
      case RecordType.STATE: {
        const n = buf.readUInt32LE(p);
        p += 4;
        for (let i = 0; i < n; i++, p += 21) {
          state.leases.set(buf.readDoubleLE(p), {
            deliveries: buf.readUInt32LE(p + 8),
            readyAt: buf.readDoubleLE(p + 12),
            leased: buf[p + 20] === 1,
          });
        }
        break;
      }
      case RecordType.ENTRIES:
      case RecordType.SEEN:
        break;
      default:
        throw corrupt(log, `unknown record type ${type} at offset ${fileOffset}`);
    }
  });
  if (header === undefined) throw corrupt(log, 'has no valid header record');
  state.end = scan.end;
  state.tornBytes = scan.tornBytes;
  if (scan.tornBytes > MAX_RECORD_BYTES + 8) {
    throw corrupt(log, `${scan.tornBytes} unreadable bytes at offset ${scan.end}: more than one torn write; the file is damaged`);
  }
  const sorted = settled.data.slice(0, settled.n).sort();
  return { state, settled: sorted };
}

/**
 * Pass 2: calls `onPending` for each entry not in `settled` (sorted), and `onTailFingerprints`
 * with the fingerprints (20 bytes each, back to back) of entries and SEEN records written after
 * `state.seenMarkAt`, dontFilter entries excepted.
 */
export function replayEntries(
  log: QueueLog,
  state: ReplayState,
  settled: Float64Array,
  onPending: PendingVisitor,
  onTailFingerprints: (fps: Uint8Array, count: number) => void,
): void {
  let cursor = 0;
  const visit = (buf: Buffer, at: number, length: number, fileOffset: number): void => {
    const type = buf[at];
    let p: number;
    if (type === RecordType.ENTRIES) p = at + 1;
    else if (type === RecordType.COMMIT) p = at + 18 + buf.readUInt32LE(at + 14);
    else if (type === RecordType.SEEN) {
      if (fileOffset > state.seenMarkAt) onTailFingerprints(buf.subarray(at + 5, at + length), buf.readUInt32LE(at + 1));
      return;
    } else return;
    const tail = fileOffset > state.seenMarkAt;
    const n = buf.readUInt32LE(p);
    p += 4;
    const fps = tail ? Buffer.allocUnsafe(n * 20) : undefined;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const entryLength = buf.readUInt32LE(p);
      const ref = fileOffset + (p - at);
      while (cursor < settled.length && settled[cursor] < ref) cursor++;
      if (cursor >= settled.length || settled[cursor] !== ref) {
        onPending(ref, buf.readUInt32LE(p + 4), buf.readDoubleLE(p + 8), buf.readDoubleLE(p + 16), entryLength);
      }
      if (fps !== undefined && (buf[p + 24] & 1) === 0) {
        buf.copy(fps, kept * 20, p + 25, p + ENTRY_HEADER_BYTES);
        kept++;
      }
      p += entryLength;
    }
    if (fps !== undefined && kept > 0) onTailFingerprints(fps, kept);
  };
  // Pass 1 verified every checksum up to state.end.
  log.scan(visit, state.end, false);
}
