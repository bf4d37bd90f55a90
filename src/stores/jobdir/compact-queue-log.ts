/**
 * Compaction of the queue log: writes a new generation holding only what is live (the header
 * with the counters, hosts, policies, kv, every pending or leased entry, their lease state),
 * then swaps it in.
 *
 * Crash safety: the new generation is written to `queue-<gen>.log.tmp`, fsynced and renamed
 * into place, and only then is the old generation deleted. A crash before the rename leaves the
 * old generation current (the tmp file is removed on the next open); a crash after it leaves
 * the new one current (an old file still present is deleted on the next open). The seen log is
 * synced before, and the new header records its length as the seen mark, so dropping the old
 * records drops no fingerprint.
 *
 * Entries are copied in ascending ref order, so the old file is read front to back.
 */
import * as fs from 'node:fs';
import type { HostPolicy } from '../../contracts.ts';
import { storeErrorFromFs } from '../../seen/seen-log.ts';
import { queueLogPath, syncDirectory } from './jobdir-layout.ts';
import { QueueLog, recordChecksum } from './queue-log.ts';
import { RecordType, RecordWriter } from './queue-records.ts';
import type { KvEntry, LeaseState, LogHeader } from './replay.ts';

const FLUSH_BYTES = 4 * 1024 * 1024;

/** What compaction needs from the store. */
export interface CompactInput {
  dir: string;
  generation: number;
  oldLog: QueueLog;
  header: LogHeader;
  hosts: readonly string[];
  policies: ReadonlyMap<number, Partial<HostPolicy>>;
  kv: ReadonlyMap<string, KvEntry>;
  /** Every live ref of the old log, ascending. */
  live: Float64Array;
  /** Lease state by old ref, for refs that have one. */
  states: ReadonlyMap<number, LeaseState>;
}

/** Writes the compacted generation and swaps it in; returns the new log and the new ref of each `live[i]`. */
export function compactQueueLog(input: CompactInput): { log: QueueLog; refs: Float64Array } {
  const finalPath = queueLogPath(input.dir, input.generation);
  const tmpPath = `${finalPath}.tmp`;
  const out = QueueLog.create(tmpPath);
  const w = new RecordWriter();
  const refs = new Float64Array(input.live.length);
  try {
    let r = w.begin(RecordType.HEADER);
    w.utf8(JSON.stringify(input.header));
    w.end(r, recordChecksum);
    input.hosts.forEach((host, id) => {
      if (host === undefined) return;
      r = w.begin(RecordType.HOST);
      w.u32(id);
      w.utf8(host);
      w.end(r, recordChecksum);
    });
    for (const [id, policy] of input.policies) {
      r = w.begin(RecordType.POLICY);
      w.u32(id);
      w.utf8(JSON.stringify(policy));
      w.end(r, recordChecksum);
    }
    const now = Date.now();
    for (const [k, entry] of input.kv) {
      if (entry.e <= now) continue;
      r = w.begin(RecordType.KV);
      w.utf8(JSON.stringify(Number.isFinite(entry.e) ? { k, v: entry.v, e: entry.e } : { k, v: entry.v }));
      w.end(r, recordChecksum);
    }
    let i = 0;
    while (i < input.live.length) {
      r = w.begin(RecordType.ENTRIES);
      const countAt = w.length;
      w.u32(0);
      let n = 0;
      while (i < input.live.length && w.length < FLUSH_BYTES) {
        const ref = input.live[i];
        const head = input.oldLog.read(ref, 4);
        const length = head.buf.readUInt32LE(head.at);
        const { buf, at } = input.oldLog.read(ref, length);
        w.ensure(length);
        refs[i] = out.byteLength + w.length;
        w.bytes(buf.subarray(at, at + length));
        n++;
        i++;
      }
      w.buf.writeUInt32LE(n, countAt);
      w.end(r, recordChecksum);
      out.append(w.buf.subarray(0, w.length));
      w.reset();
    }
    if (input.states.size > 0) {
      r = w.begin(RecordType.STATE);
      w.u32(input.states.size);
      for (const [ref, s] of input.states) {
        w.f64(refs[indexOf(input.live, ref)]);
        w.u32(s.deliveries);
        w.f64(s.readyAt);
        w.u8(s.leased ? 1 : 0);
      }
      w.end(r, recordChecksum);
    }
    out.append(w.buf.subarray(0, w.length));
    out.sync();
    out.moveTo(finalPath);
    syncDirectory(input.dir);
  } catch (error) {
    out.close();
    fs.rmSync(out.path, { force: true });
    throw storeErrorFromFs(error, 'cannot compact queue log', finalPath);
  }
  input.oldLog.close();
  fs.rmSync(input.oldLog.path, { force: true });
  return { log: out, refs };
}

/** Index of `ref` in the ascending `live`, or -1. */
export function indexOf(live: Float64Array, ref: number): number {
  let lo = 0;
  let hi = live.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = live[mid];
    if (v < ref) lo = mid + 1;
    else if (v > ref) hi = mid - 1;
    else return mid;
  }
  return -1;
}
