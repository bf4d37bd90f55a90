/**
 * The COMMIT record of a page outcome: the ack of its lease, its new children, its item count
 * and feed checkpoint, encoded as ONE record so that replay sees all of it or none of it.
 *
 * Invariants: nothing is encoded before the outcome is checked (a bad one throws with the
 * write buffer and the seen set untouched); a record larger than MAX_RECORD_BYTES is refused
 * and its seen test-and-set taken back, because a scan of the log stops at a body that large:
 * the record, and everything after it, would be lost to the next open.
 */
import type { FeedCheckpoint, PageOutcome } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { validateQueuedRequests } from '../../frontier/validate-request.ts';
import type { EntryEncoder, Tx } from './entry-encoder.ts';
import { recordChecksum } from './queue-log.ts';
import { MAX_RECORD_BYTES, RecordType } from './queue-records.ts';

/** A commit encoded into the write buffer, with what memory must apply once it is appended. */
export interface EncodedCommit {
  tx: Tx;
  /** Per child: true when it passed the seen set and was queued. */
  added: boolean[];
  /** True for a `done` outcome, false for a `failed` one. */
  done: boolean;
  items: number;
  feed: FeedCheckpoint | undefined;
}

/** Checks `outcome` and encodes its COMMIT record (after HOST records of new hosts) for the lease at `ref`. */
export function encodeCommit(enc: EntryEncoder, ref: number, outcome: PageOutcome): EncodedCommit {
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
  const w = enc.w;
  w.reset();
  const tx = enc.begin();
  const added = new Array<boolean>(children.length);
  const hostIds = enc.hostIdsOf(children, tx);
  const r = w.begin(RecordType.COMMIT);
  w.f64(ref);
  w.u8(result.kind === 'done' ? 0 : 1);
  w.u32(items);
  w.str(JSON.stringify(meta));
  const countAt = w.length;
  w.u32(0);
  const { n } = enc.entries(children, hostIds, 0, added, tx, Number.POSITIVE_INFINITY);
  w.buf.writeUInt32LE(n, countAt);
  w.end(r, recordChecksum);
  if (w.length - r > MAX_RECORD_BYTES) {
    enc.undo(tx);
    throw new StoreError(ErrorCodes.STORE_INVALID_REQUEST, `commit of ${outcome.id} is too large (${w.length - r} bytes; at most ${MAX_RECORD_BYTES})`);
  }
  return { tx, added, done: result.kind === 'done', items, feed: meta.feed as FeedCheckpoint | undefined };
}
