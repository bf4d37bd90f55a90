/**
 * The SEEN record of `store.seen.addMany`: fingerprints added to the seen set directly, with no
 * request behind them. They go through the queue log like every other change, so the seen
 * marks and the replay after a crash cover them too.
 *
 * Invariants: every fingerprint is checked before any is added; only the new ones are
 * recorded, as copies (the caller's arrays may be reused once the call returns).
 */
import { type CompactFingerprintSet, checkFingerprint } from '../../seen/compact-fingerprint-set.ts';
import type { EntryEncoder, Tx } from './entry-encoder.ts';
import { recordChecksum } from './queue-log.ts';
import { RecordType } from './queue-records.ts';

/**
 * Adds `fps` to `set` and encodes a SEEN record of those that were new; `added[i]` is true when
 * fps[i] was new. When none was, nothing is encoded and `tx.fps` is empty.
 */
export function encodeSeen(enc: EntryEncoder, set: CompactFingerprintSet, fps: readonly Uint8Array[]): { tx: Tx; added: boolean[] } {
  for (const fp of fps) checkFingerprint(fp);
  const tx = enc.begin();
  const added = fps.map((fp) => {
    const isNew = set.add(fp);
    if (isNew) tx.fps.push(Uint8Array.from(fp));
    return isNew;
  });
  if (tx.fps.length === 0) return { tx, added };
  const w = enc.w;
  w.reset();
  const r = w.begin(RecordType.SEEN);
  w.u32(tx.fps.length);
  for (const fp of tx.fps) w.bytes(fp);
  w.end(r, recordChecksum);
  return { tx, added };
}
