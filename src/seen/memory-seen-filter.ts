/**
 * The `memory` seen set: a {@link SeenFilter} over a {@link CompactFingerprintSet}.
 *
 * Invariants: the test-and-set of a batch is atomic (it runs synchronously, so nothing can
 * interleave with it on the event loop); a closed filter refuses every call with StoreError
 * SF_STORE_CLOSED; nothing survives the process.
 */
import type { Fingerprint, SeenFilter } from '../contracts.ts';
import { ErrorCodes, StoreError } from '../errors.ts';
import { CompactFingerprintSet } from './compact-fingerprint-set.ts';

/** An exact, compact, in-memory seen set. */
export class MemorySeenFilter implements SeenFilter {
  private readonly set = new CompactFingerprintSet();
  private closed = false;

  /** Number of distinct fingerprints held. */
  get size(): number {
    return this.set.size;
  }

  /** Atomic test-and-set of a batch; true where the fingerprint was new. */
  async addMany(fps: readonly Fingerprint[]): Promise<boolean[]> {
    return this.addManySync(fps);
  }

  /** The same test-and-set, synchronously, for stores that call it inside their own atomic section. */
  addManySync(fps: readonly Fingerprint[]): boolean[] {
    this.assertOpen();
    return this.set.addMany(fps);
  }

  /** True when the fingerprint has been added. */
  has(fp: Fingerprint): boolean {
    this.assertOpen();
    return this.set.has(fp);
  }

  /** Estimated bytes of memory held by the set. */
  bytesUsed(): number {
    return this.set.bytesUsed();
  }

  /** Frees the set; further calls fail with SF_STORE_CLOSED. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.set.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(ErrorCodes.STORE_CLOSED, 'seen filter is closed');
  }
}
