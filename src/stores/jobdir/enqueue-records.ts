/**
 * The ENTRIES records of an enqueue: the seen test-and-set of every request and the entries of
 * those that passed, encoded into the write buffer so that one append commits the whole batch.
 *
 * Invariant: a batch is split into records of about ENTRIES_RECORD_BYTES, well under
 * MAX_RECORD_BYTES (the largest body a scan of the log accepts), so the size of a batch alone
 * never makes it unreadable; its records still go out in one append, all or nothing.
 */
import type { QueuedRequest } from '../../contracts.ts';
import type { EntryEncoder, Tx } from './entry-encoder.ts';
import { recordChecksum } from './queue-log.ts';
import { RecordType } from './queue-records.ts';

/** An enqueue is split into ENTRIES records of about this many bytes. */
const ENTRIES_RECORD_BYTES = 4 * 1024 * 1024;

/** Encodes the ENTRIES records (after HOST records of new hosts) of already validated `requests`; `added[i]` is true when request i was new. */
export function encodeEnqueue(enc: EntryEncoder, requests: readonly QueuedRequest[]): { tx: Tx; added: boolean[] } {
  const w = enc.w;
  w.reset();
  const tx = enc.begin();
  const added = new Array<boolean>(requests.length);
  const hostIds = enc.hostIdsOf(requests, tx);
  for (let from = 0; from < requests.length; ) {
    const r = w.begin(RecordType.ENTRIES);
    const countAt = w.length;
    w.u32(0);
    const { n, next } = enc.entries(requests, hostIds, from, added, tx, r + ENTRIES_RECORD_BYTES);
    w.buf.writeUInt32LE(n, countAt);
    w.end(r, recordChecksum);
    from = next;
  }
  return { tx, added };
}
