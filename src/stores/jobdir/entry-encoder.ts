/**
 * Encodes the requests of one write (an enqueue or a commit) into queue-log entries, doing the
 * seen test-and-set on the way, and remembers what memory must take back if the write fails.
 *
 * Invariants: host ids are dense and stable (a new host gets a HOST record in the same write
 * buffer, ahead of the entries that use it); after `undo(tx)` the seen set and the host table
 * are exactly as before the write began.
 */
import type { QueuedRequest } from '../../contracts.ts';
import type { CompactFingerprintSet } from '../../seen/compact-fingerprint-set.ts';
import { recordChecksum } from './queue-log.ts';
import { FP_OFFSET, RecordType, RecordWriter } from './queue-records.ts';

/** What one write must undo in memory if its append fails. */
export interface Tx {
  /** Fingerprints this write added to the seen set (views of the entry bytes). */
  fps: Uint8Array[];
  /** Hosts this write gave new ids. */
  hosts: string[];
  /** Per pushed entry: hostId, offset in the write buffer, length, priority, depth. */
  pushes: number[];
}

/** The write buffer, the host table and the entry encoding of the job-directory store. */
export class EntryEncoder {
  readonly w = new RecordWriter();
  readonly hostIds = new Map<string, number>();
  hostNames: string[] = [];
  private readonly scratch = Buffer.alloc(20);

  constructor(private readonly seen: () => CompactFingerprintSet) {}

  /** Starts a write. */
  begin(): Tx {
    return { fps: [], hosts: [], pushes: [] };
  }

  /** Takes over a host table restored from the log. */
  setHosts(names: string[]): void {
    this.hostNames = names;
    this.hostIds.clear();
    names.forEach((h, id) => {
      if (h !== undefined) this.hostIds.set(h, id);
    });
  }

  /** Takes back the seen additions and new host ids of a write that did not happen. */
  undo(tx: Tx): void {
    for (const fp of tx.fps) this.seen().delete(fp);
    for (const h of tx.hosts) {
      this.hostIds.delete(h);
      this.hostNames.pop();
    }
  }

  /** Host ids of `requests` (HOST records for new hosts go into the buffer first). */
  hostIdsOf(requests: readonly QueuedRequest[], tx: Tx): Uint32Array {
    const ids = new Uint32Array(requests.length);
    let lastHost = '';
    let lastId = 0;
    for (let i = 0; i < requests.length; i++) {
      const host = requests[i].host;
      if (host !== lastHost) {
        lastHost = host;
        lastId = this.hostId(host, tx);
      }
      ids[i] = lastId;
    }
    return ids;
  }

  /**
   * Encodes entries for the requests (from index `from`) that pass the seen set; fills `added`.
   * Stops once the buffer passes `limit`. Returns how many entries and the next index.
   * Fingerprints are decoded into a scratch buffer, and kept (for the seen log) as views of
   * the entry bytes, so a request costs no allocation beyond its JSON.
   */
  entries(
    requests: readonly QueuedRequest[],
    hostIds: Uint32Array,
    from: number,
    added: boolean[],
    tx: Tx,
    limit: number,
  ): { n: number; next: number } {
    const scratch = this.scratch;
    let n = 0;
    let i = from;
    for (; i < requests.length && this.w.length < limit; i++) {
      const req = requests[i];
      scratch.write(req.fingerprint, 0, 20, 'hex');
      if (!req.dontFilter && !this.seen().add(scratch)) {
        added[i] = false;
        continue;
      }
      added[i] = true;
      const hostId = hostIds[i];
      const at = this.w.entry(req, hostId, scratch);
      if (!req.dontFilter) tx.fps.push(this.w.buf.subarray(at + FP_OFFSET, at + FP_OFFSET + 20));
      tx.pushes.push(hostId, at, this.w.length - at, req.priority, req.depth);
      n++;
    }
    return { n, next: i };
  }

  /** The id of `host`, writing a HOST record into the current buffer the first time. */
  hostId(host: string, tx: Tx): number {
    let id = this.hostIds.get(host);
    if (id !== undefined) return id;
    id = this.hostNames.length;
    this.hostIds.set(host, id);
    this.hostNames.push(host);
    tx.hosts.push(host);
    const r = this.w.begin(RecordType.HOST);
    this.w.u32(id);
    this.w.utf8(host);
    this.w.end(r, recordChecksum);
    return id;
  }

}
