/**
 * An exact, compact, in-memory set of request fingerprints.
 *
 * Each 20-byte fingerprint is reduced to an 80-bit key: its first 16 bits name one of 65,536
 * shards, its next 64 bits are stored, as two 32-bit words. The shards are grouped 256 to a
 * slab; a slab (256 in all) is one open-addressing table with linear probing in key order: a
 * key's home slot is its (shard, high word) scaled to the table (keys are SHA-1 output, so
 * uniform), and the keys of a slab are kept sorted, each at or after its home with no empty
 * slot in between. A lookup therefore reads one cache line (rarely two), and since `addMany`
 * reads the home slots of a whole batch before deciding any of them, their cache misses
 * overlap. The 8 shard bits inside a slab are not stored: the table is sorted by shard first,
 * so `bound[s]` (the slot of the first key of shard ≥ s) tells them apart.
 *
 * A slab grows by 40% when more than 85% of its slots are used, so its load stays between
 * 61% and 85%: 9.4 to 13.2 bytes per key. Growth rebuilds the slab in place (new slots are
 * never before old ones). Slabs are lists of equal 16 KiB segments carved from one
 * WebAssembly linear memory used as a growable heap, which caps the set at 4 GiB.
 *
 * The pieces: fingerprint-key.ts (fingerprint → key, stored word form), segment-heap.ts (the
 * linear memory), slab-geometry.ts (slab sizes, home slots, load bounds), slab-tables.ts
 * (lookup, insertion, removal, growth), bulk-load.ts (loading many keys at once). This file
 * validates fingerprints, decodes them and batches lookups.
 *
 * Invariants:
 * - nothing is ever evicted: the set answers "seen" only for keys that were added (exact up to
 *   80-bit key collisions: at 100 million fingerprints the chance that any two distinct ones
 *   share a key is about n²/2^81 ≈ 4e-9);
 * - no V8 collection holds keys, so the set grows past the ~16.7 million entry limit of one
 *   `Set` or `Map`, from empty, without a size hint;
 * - a method that throws on a bad fingerprint has changed nothing.
 */
import { bulkLoad } from './bulk-load.ts';
import * as fingerprintKey from './fingerprint-key.ts';
import * as segmentHeap from './segment-heap.ts';
import * as slabGeometry from './slab-geometry.ts';
import { SlabTables } from './slab-tables.ts';

export { checkFingerprint, FINGERPRINT_BYTES, KEPT_BITS, KEY_BYTES, SHARD_BITS } from './fingerprint-key.ts';

// Module constants, not imported bindings, in the hot loops: V8 folds a module's own constants
// and functions into optimized code but reloads an imported binding at every use.
const { checkFingerprint, word, FINGERPRINT_BYTES } = fingerprintKey;
const MIN = fingerprintKey.HIGH_BIAS;
const { SEG_SHIFT, SEG_MASK } = segmentHeap;
const { SUB_BITS, SUB_MASK, TWO_32 } = slabGeometry;

/** Keeps the prefetching loads of `addMany` from being optimized away. */
const prefetchSink = new Float64Array(1);

/** An exact set of 80-bit fingerprint keys. */
export class CompactFingerprintSet {
  private tables = new SlabTables();
  /** Scratch of `addMany`: each input's shard, stored words and home slot's heap word. */
  private batchShard = new Int32Array(0);
  private batchHigh = new Int32Array(0);
  private batchLow = new Int32Array(0);
  private batchAddr = new Int32Array(0);

  /** Number of distinct kept keys. */
  get size(): number {
    return this.tables.count;
  }

  /** Adds one fingerprint; true when its key was not present before. */
  add(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    return this.tables.insert((fp[0] << 8) | fp[1], word(fp, 2) ^ MIN, word(fp, 6));
  }

  /** True when the fingerprint's key is present. */
  has(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    return this.tables.has((fp[0] << 8) | fp[1], word(fp, 2) ^ MIN, word(fp, 6));
  }

  /**
   * Adds a batch; one boolean per input, true where that fingerprint was new (a fingerprint
   * repeated inside the batch is new only at its first position). All inputs are validated
   * before any is added, so a bad fingerprint leaves the set unchanged.
   */
  addMany(fps: readonly Uint8Array[]): boolean[] {
    const n = fps.length;
    for (let i = 0; i < n; i++) checkFingerprint(fps[i]);
    if (this.batchShard.length < n) {
      this.batchShard = new Int32Array(n);
      this.batchHigh = new Int32Array(n);
      this.batchLow = new Int32Array(n);
      this.batchAddr = new Int32Array(n);
    }
    const tables = this.tables;
    const shards = this.batchShard;
    const highs = this.batchHigh;
    const lows = this.batchLow;
    // Pass 1: decode every key and find the heap word of its home slot. Pass 2: read those
    // words and the shard bounds, nothing else. Those loads do not depend on each other, and
    // the loop is short enough that the processor keeps many of their cache misses in flight
    // instead of waiting for each in turn; pass 3 then finds its lines in cache.
    const addrs = this.batchAddr;
    for (let i = 0; i < n; i++) {
      const fp = fps[i];
      const shard = (fp[0] << 8) | fp[1];
      const high = word(fp, 2) ^ MIN;
      shards[i] = shard;
      highs[i] = high;
      lows[i] = word(fp, 6);
      const slab = shard >>> SUB_BITS;
      const home = Math.floor(((shard & SUB_MASK) * TWO_32 + high + 2147483648) * tables.scale[slab]);
      addrs[i] = home < tables.ends[slab] ? tables.segs[slab][home >>> SEG_SHIFT] + ((home & SEG_MASK) << 1) : 0;
    }
    const heap = tables.heap;
    const bound = tables.bound;
    let sink = 0;
    // The next cache line too (16 words on, inside the heap's view): probes and insertions
    // often run into it.
    for (let i = 0; i < n; i++) sink += heap[addrs[i]] + heap[addrs[i] + 16] + bound[shards[i]];
    prefetchSink[0] = sink;
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = tables.insert(shards[i], highs[i], lows[i]);
    return out;
  }

  /**
   * Adds a key given as its parts: `shard` (first 16 bits), `high` and `low` (next 64 bits as
   * two unsigned 32-bit words). True when it was new.
   */
  addKey(shard: number, high: number, low: number): boolean {
    return this.tables.insert(shard, (high ^ MIN) | 0, low | 0);
  }

  /** Removes a fingerprint's key; true when it was present (used to undo a batch whose write failed). */
  delete(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    return this.tables.remove((fp[0] << 8) | fp[1], word(fp, 2) ^ MIN, word(fp, 6));
  }

  /** Calls `fn` for every kept key, in ascending key order. */
  forEachKey(fn: (shard: number, high: number, low: number) => void): void {
    this.tables.forEachKey(fn);
  }

  /** Bytes held: slab segments (including their free slots) plus the fixed and scratch tables. */
  bytesUsed(): number {
    return this.tables.bytesUsed() + 3 * this.batchShard.byteLength;
  }

  /** Drops every key and frees the slabs. */
  clear(): void {
    this.tables = new SlabTables();
  }

  /**
   * Bulk load: adds many fingerprints at once, far faster than one by one (no per-key
   * insertion; each shard is sorted once). `keys` holds `count` records of `stride` bytes back
   * to back, each starting with a fingerprint. Returns how many were new.
   */
  addBulk(keys: Uint8Array, count: number, stride: number = FINGERPRINT_BYTES): number {
    return this.bulkLoad((visit) => visit(keys, count), stride);
  }

  /**
   * Bulk load from a source too big for one buffer (a seen log on disk). `source` is called
   * exactly twice and must hand `visit` the same records both times, as buffers of `count`
   * records of `stride` bytes: the first pass counts keys per shard so that every slab is
   * sized once, the second stages each key in its shard's run. Each run is then sorted and the
   * slab laid out in one pass. Returns how many were new.
   */
  bulkLoad(source: (visit: (records: Uint8Array, count: number) => void) => void, stride: number = FINGERPRINT_BYTES): number {
    return bulkLoad(this.tables, source, stride);
  }
}
