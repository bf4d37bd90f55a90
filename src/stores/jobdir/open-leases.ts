/**
 * Turning refs taken from the frontier into open leases: their entries are read back from the
 * queue log and one LEASE record is appended, which makes each delivery count durable.
 *
 * Invariants: a lease opens only after its LEASE record is appended, so a process that dies
 * holding leases leaves their delivery counts in the log, and a request that keeps killing its
 * worker is retired after `maxDeliveries`; when an entry cannot be read or the record cannot be
 * appended, every taken ref goes back to the frontier with its delivery count as it was.
 * Entries are read in ascending ref order, so one cached block of the log serves many.
 */
import type { Lease } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import type { JobdirLog } from './jobdir-log.ts';
import { recordChecksum } from './queue-log.ts';
import { RecordType, decodeEntry } from './queue-records.ts';
import type { RefFrontier, RefLease } from './ref-frontier.ts';

/** Refs as `RefFrontier.take` hands them out. */
export type TakenRefs = ReturnType<RefFrontier['take']>;

/** Reads the entries of `taken`, logs their LEASE record and opens them in `frontier`, expiring at `expiresAt`. */
export function openLeases(files: JobdirLog, frontier: RefFrontier, taken: TakenRefs, expiresAt: number): Lease[] {
  const log = files.log;
  const order = taken.map((_, i) => i).sort((a, b) => taken[a].ref - taken[b].ref);
  const opened = new Array<RefLease>(taken.length);
  try {
    for (const i of order) {
      const t = taken[i];
      const head = log.read(t.ref, 4);
      const length = head.buf.readUInt32LE(head.at);
      const { buf, at } = log.read(t.ref, length);
      const request = decodeEntry(buf, at, t.slot.host);
      opened[i] = { ref: t.ref, length, request, deliveries: t.deliveries, expiresAt, slot: t.slot };
    }
  } catch (error) {
    for (const t of taken) frontier.untakeRef(t.ref, t.slot, t.deliveries);
    throw error instanceof StoreError ? error : new StoreError(ErrorCodes.STORE_CORRUPT, `${log.path}: unreadable entry`, { cause: error });
  }
  const w = files.enc.w;
  w.reset();
  const r = w.begin(RecordType.LEASE);
  w.u32(taken.length);
  for (const t of taken) w.f64(t.ref);
  w.end(r, recordChecksum);
  try {
    files.append();
  } catch (error) {
    for (const l of opened) frontier.untakeRef(l.ref, l.slot, l.deliveries, l.request.priority, l.request.depth);
    throw error;
  }
  const leases: Lease[] = new Array(opened.length);
  for (let i = 0; i < opened.length; i++) {
    const l = opened[i];
    frontier.open(l);
    leases[i] = { request: l.request, deliveries: l.deliveries, expiresAt };
  }
  return leases;
}
