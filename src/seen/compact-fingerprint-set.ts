/**
 * An exact, compact, in-memory set of request fingerprints.
 *
 * Each 20-byte fingerprint is reduced to an 80-bit key: its first 16 bits name one of 65,536
 * shards, its next 64 bits are stored, as two 32-bit words. The shards are grouped 64 to a slab;
 * a slab (1,024 in all) is one open-addressing table with linear probing in key order: a key's
 * home slot is its position in key order scaled to the table (keys are SHA-1 output, so
 * uniform), and the keys of a slab are kept sorted, each at or after its home with no empty
 * slot in between. A lookup therefore reads one cache line in almost every case, and since the
 * per-batch pass reads the home slots of a whole batch before deciding any of them, their cache
 * misses overlap. The 6 shard bits of a slab's keys are not stored: the table is sorted by
 * shard first, so `bound[s]` (the slot of the first key of shard ≥ s) tells them apart.
 *
 * A slab grows in place (resizable `ArrayBuffer`, no old copy left behind) by 1/8 when more than
 * 80% of its slots are used, so its load stays between 71% and 80%: 10 to 11.3 bytes per key.
 *
 * Invariants:
 * - within a slab, used slots hold strictly increasing keys ordered by (shard, high word, low
 *   word), each at or after its home slot with no empty slot between home and key; the layout is
 *   thus a function of the key set (growth and bulk loading rebuild it in one pass);
 * - `bound[s]` is the slot of the first key of shard ≥ s in its slab, or the slab's end;
 * - an empty slot is two zero words; the one key whose stored words are both zero is kept apart
 *   in `zeroKeys`;
 * - nothing is ever evicted: the set answers "seen" only for keys that were added (exact up to
 *   80-bit key collisions: at 100 million fingerprints the chance that any two distinct ones
 *   share a key is about n²/2^81 ≈ 4e-9);
 * - no V8 collection holds keys, so the set grows past the ~16.7 million entry limit of one
 *   `Set` or `Map`, from empty, without a size hint.
 *
 * Stored words are [low, high ^ 0x80000000] as signed 32-bit integers (small integers for V8,
 * and signed order of the biased high word is unsigned order of the key's); on little-endian
 * machines a slab viewed as a `BigInt64Array` therefore sorts in key order natively.
 */
import { endianness } from 'node:os';
import { ErrorCodes, StoreError } from '../errors.ts';

/** Number of leading fingerprint bits that choose the shard. */
export const SHARD_BITS = 16;
/** Total fingerprint bits kept per key (shard bits + 64 stored bits). */
export const KEPT_BITS = SHARD_BITS + 64;
/** Bytes of a fingerprint that make up the kept key. */
export const KEY_BYTES = KEPT_BITS / 8;
/** Bytes of a full fingerprint (SHA-1). */
export const FINGERPRINT_BYTES = 20;

const SHARDS = 1 << SHARD_BITS;
const SUB_BITS = 6;
const SUBS = 1 << SUB_BITS;
const SUB_MASK = SUBS - 1;
const SLABS = SHARDS >>> SUB_BITS;
const TWO_32 = 4294967296;
/** Bias between a high word and its stored form (also the sign bit). */
const MIN = 0x80000000 | 0;
/** Slots past the table's nominal capacity, for keys displaced beyond its last home slot. */
const TAIL = 256;
const MIN_CAP = 64;
/** A slab grows when more than this share of its nominal slots is used... */
const MAX_LOAD = 0.8;
/** ...by this factor (load right after: 0.8 / 1.125 ≈ 0.71). */
const GROWTH = 1.125;
/** Load right after a bulk load. */
const BULK_LOAD = 0.75;
/** Address space reserved per slab (1,024 slabs: 256 GiB reserved, committed only as used). */
const SLAB_MAX_BYTES = 2 ** 28;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Throws StoreError SF_FINGERPRINT_INVALID unless `fp` is a 20-byte Uint8Array. */
export function checkFingerprint(fp: Uint8Array): void {
  if (!(fp instanceof Uint8Array) || fp.length !== FINGERPRINT_BYTES) {
    throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, `fingerprint must be a Uint8Array of 20 bytes (got ${describe(fp)})`);
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return value === null ? 'null' : typeof value;
}

/** Big-endian 32-bit word at `offset`, as a signed integer. */
function word(b: Uint8Array, offset: number): number {
  return (b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3];
}

/** An ArrayBuffer that can grow in place (ES2024; typed here because the project targets ES2023 libs). */
interface ResizableArrayBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

function emptySlab(): Int32Array {
  return new Int32Array(new ResizableBuffer(0, { maxByteLength: SLAB_MAX_BYTES }), 0, 0);
}

/** Keeps the prefetching loads of `addMany` from being optimized away. */
const prefetchSink = new Float64Array(1);

/** An exact set of 80-bit fingerprint keys. */
export class CompactFingerprintSet {
  /** One table per slab: [low, biased high] word pairs, 64 shards in key order. */
  private readonly slabs: Int32Array[] = [];
  /** Per slab: home slot = floor((shard-in-slab · 2^32 + unsigned high) · scale). */
  private readonly scale = new Float64Array(SLABS);
  /** Per slab: keys held, and how many it may hold before it grows. */
  private readonly live = new Uint32Array(SLABS);
  private readonly maxLive = new Uint32Array(SLABS);
  /** Per shard: slot of the first key of this or a later shard of its slab, or the slab's end. */
  private readonly bound = new Int32Array(SHARDS);
  /** Shards holding the key whose stored words are both zero (the empty-slot pattern). */
  private readonly zeroKeys = new Set<number>();
  private count = 0;
  /** Scratch: new slot of each key while a slab is laid out; keys per shard of that slab. */
  private positions = new Int32Array(0);
  private readonly perSub = new Int32Array(SUBS);
  /** Scratch of `addMany`: each input's shard and stored words. */
  private batchShard = new Int32Array(0);
  private batchHigh = new Int32Array(0);
  private batchLow = new Int32Array(0);

  constructor() {
    for (let i = 0; i < SLABS; i++) this.slabs.push(emptySlab());
  }

  /** Number of distinct kept keys. */
  get size(): number {
    return this.count;
  }

  /** Adds one fingerprint; true when its key was not present before. */
  add(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    return this.insert((fp[0] << 8) | fp[1], word(fp, 2) ^ MIN, word(fp, 6));
  }

  /** True when the fingerprint's key is present. */
  has(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    const shard = (fp[0] << 8) | fp[1];
    const high = word(fp, 2) ^ MIN;
    const low = word(fp, 6);
    if (high === 0 && low === 0) return this.zeroKeys.has(shard);
    return this.find(shard, high, low) >= 0;
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
    }
    const shards = this.batchShard;
    const highs = this.batchHigh;
    const lows = this.batchLow;
    // Pass 1: decode every key and read its home slot and shard bound. The loads do not
    // depend on each other, so the processor keeps many cache misses in flight instead of
    // waiting for each in turn; pass 2 then finds its lines in cache.
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const fp = fps[i];
      const shard = (fp[0] << 8) | fp[1];
      const high = word(fp, 2) ^ MIN;
      shards[i] = shard;
      highs[i] = high;
      lows[i] = word(fp, 6);
      const slab = shard >>> SUB_BITS;
      const words = this.slabs[slab];
      const home = Math.floor((((shard & SUB_MASK) * TWO_32 + high + 2147483648) * this.scale[slab]));
      if (home * 2 < words.length) sink += words[home * 2 + 1];
      sink += this.bound[shard];
    }
    prefetchSink[0] = sink;
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = this.insert(shards[i], highs[i], lows[i]);
    return out;
  }

  /**
   * Adds a key given as its parts: `shard` (first 16 bits), `high` and `low` (next 64 bits as
   * two unsigned 32-bit words). True when it was new.
   */
  addKey(shard: number, high: number, low: number): boolean {
    return this.insert(shard, (high ^ MIN) | 0, low | 0);
  }

  /** Removes a fingerprint's key; true when it was present (used to undo a batch whose write failed). */
  delete(fp: Uint8Array): boolean {
    checkFingerprint(fp);
    const shard = (fp[0] << 8) | fp[1];
    const high = word(fp, 2) ^ MIN;
    const low = word(fp, 6);
    if (high === 0 && low === 0) {
      if (!this.zeroKeys.delete(shard)) return false;
      this.count--;
      return true;
    }
    const p = this.find(shard, high, low);
    if (p < 0) return false;
    this.removeAt(shard, p);
    return true;
  }

  /** Calls `fn` for every kept key, in ascending key order. */
  forEachKey(fn: (shard: number, high: number, low: number) => void): void {
    for (let slab = 0; slab < SLABS; slab++) {
      const words = this.slabs[slab];
      const end = words.length >> 1;
      for (let sub = 0; sub < SUBS; sub++) {
        const shard = (slab << SUB_BITS) | sub;
        // The key stored as two zero words sorts between biased high words -1 and 1.
        let zero = this.zeroKeys.has(shard);
        const stop = sub === SUB_MASK ? end : this.bound[shard + 1];
        for (let p = this.bound[shard]; p < stop; p++) {
          const h = words[p * 2 + 1];
          const l = words[p * 2];
          if (h === 0 && l === 0) continue;
          if (zero && h >= 0) {
            fn(shard, MIN >>> 0, 0);
            zero = false;
          }
          fn(shard, (h ^ MIN) >>> 0, l >>> 0);
        }
        if (zero) fn(shard, MIN >>> 0, 0);
      }
    }
  }

  /** Bytes held: slab tables (including their free slots) plus the fixed and scratch tables. */
  bytesUsed(): number {
    let bytes = this.bound.byteLength + this.positions.byteLength + this.scale.byteLength + 2 * this.live.byteLength;
    bytes += 3 * this.batchShard.byteLength + 16 * this.zeroKeys.size;
    for (const slab of this.slabs) bytes += slab.byteLength;
    return bytes;
  }

  /** Drops every key and frees the slabs. */
  clear(): void {
    for (let i = 0; i < SLABS; i++) this.slabs[i] = emptySlab();
    this.scale.fill(0);
    this.live.fill(0);
    this.maxLive.fill(0);
    this.bound.fill(0);
    this.zeroKeys.clear();
    this.positions = new Int32Array(0);
    this.count = 0;
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
    if (stride < KEY_BYTES) throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, `bulk stride ${stride} is shorter than a key`);
    const checkRecords = (records: Uint8Array, count: number): void => {
      if (records.length < count * stride) throw new StoreError(ErrorCodes.FINGERPRINT_INVALID, 'bulk buffer shorter than count × stride');
    };
    const incoming = new Uint32Array(SHARDS);
    source((records, count) => {
      checkRecords(records, count);
      for (let i = 0, o = 0; i < count; i++, o += stride) incoming[(records[o] << 8) | records[o + 1]]++;
    });
    // Stage: every slab receiving keys gets, per shard, a run holding its present keys followed
    // by room for its incoming ones.
    const runStart = new Int32Array(SHARDS);
    const fill = new Int32Array(SHARDS);
    const stagedEnd = new Int32Array(SLABS).fill(-1);
    const sizedCap = new Int32Array(SLABS);
    for (let slab = 0; slab < SLABS; slab++) {
      const first = slab << SUB_BITS;
      let more = 0;
      for (let t = 0; t < SUBS; t++) more += incoming[first + t];
      if (more === 0) continue;
      const oldEnd = this.slabs[slab].length >> 1;
      const n = this.compact(slab);
      const cap = Math.max(this.capOf(slab), Math.ceil((n + more) / BULK_LOAD), MIN_CAP);
      const words = this.resizeSlab(slab, cap);
      // Spread the compacted runs apart, last first (each moves right).
      let at = n + more;
      let from = n;
      for (let t = SUBS - 1; t >= 0; t--) {
        const have = this.perSub[t];
        from -= have;
        at -= have + incoming[first + t];
        if (have > 0 && at !== from) words.copyWithin(at * 2, from * 2, (from + have) * 2);
        runStart[first + t] = at;
        fill[first + t] = at + have;
      }
      stagedEnd[slab] = Math.max(oldEnd, n + more);
      sizedCap[slab] = cap;
    }
    source((records, count) => {
      checkRecords(records, count);
      for (let i = 0, o = 0; i < count; i++, o += stride) {
        const s = (records[o] << 8) | records[o + 1];
        // A source that hands more records the second time must not overrun the run's room.
        if (incoming[s] === 0) throw new StoreError(ErrorCodes.STORE_IO, 'bulk source changed between passes');
        incoming[s]--;
        const at = fill[s]++ * 2;
        const words = this.slabs[s >>> SUB_BITS];
        words[at] = word(records, o + 6);
        words[at + 1] = word(records, o + 2) ^ MIN;
      }
    });
    let added = 0;
    for (let slab = 0; slab < SLABS; slab++) {
      if (stagedEnd[slab] < 0) continue;
      const words = this.slabs[slab];
      const first = slab << SUB_BITS;
      let w = 0;
      for (let t = 0; t < SUBS; t++) {
        const start = runStart[first + t];
        const n = fill[first + t] - start;
        sortRun(words, start, n);
        const before = w;
        for (let r = start; r < start + n; r++) {
          const l = words[r * 2];
          const h = words[r * 2 + 1];
          if (h === 0 && l === 0) {
            if (!this.zeroKeys.has(first + t)) {
              this.zeroKeys.add(first + t);
              added++;
            }
            continue;
          }
          if (w > before && words[w * 2 - 2] === l && words[w * 2 - 1] === h) continue;
          words[w * 2] = l;
          words[w * 2 + 1] = h;
          w++;
        }
        this.perSub[t] = w - before;
      }
      added += w - this.live[slab];
      this.layout(slab, w, stagedEnd[slab], sizedCap[slab]);
    }
    this.count += added;
    return added;
  }

  /** Nominal capacity of a slab (slots that can be a home). */
  private capOf(slab: number): number {
    const end = this.slabs[slab].length >> 1;
    return end === 0 ? 0 : end - TAIL;
  }

  /** Slot of the key, or ~(slot where it belongs) when absent. `high` is biased. */
  private find(shard: number, high: number, low: number): number {
    const slab = shard >>> SUB_BITS;
    const words = this.slabs[slab];
    const end = words.length >> 1;
    const sub = shard & SUB_MASK;
    let q = Math.floor((sub * TWO_32 + high + 2147483648) * this.scale[slab]);
    const b0 = this.bound[shard];
    const b1 = sub === SUB_MASK ? end : this.bound[shard + 1];
    for (; q < end; q++) {
      const h = words[q * 2 + 1];
      const l = words[q * 2];
      if (h === 0 && l === 0) return ~q;
      if (q < b0) continue; // a key of an earlier shard, displaced past our home
      if (q >= b1 || h > high) return ~q;
      if (h === high) {
        if (l === low) return q;
        if ((l ^ MIN) > (low ^ MIN)) return ~q;
      }
    }
    return ~end;
  }

  /** Test-and-set of one key (`high` biased); true when it was new. */
  private insert(shard: number, high: number, low: number): boolean {
    if (high === 0 && low === 0) {
      if (this.zeroKeys.has(shard)) return false;
      this.zeroKeys.add(shard);
      this.count++;
      return true;
    }
    const slab = shard >>> SUB_BITS;
    for (;;) {
      const found = this.find(shard, high, low);
      if (found >= 0) return false;
      const q = ~found;
      const words = this.slabs[slab];
      const end = words.length >> 1;
      let e = q;
      if (this.live[slab] < this.maxLive[slab]) while (e < end && (words[e * 2] | words[e * 2 + 1]) !== 0) e++;
      else e = end;
      if (e >= end) {
        this.grow(slab);
        continue;
      }
      if (e > q) {
        if (e - q > 16) words.copyWithin(q * 2 + 2, q * 2, e * 2);
        else for (let i = e * 2 + 1; i >= q * 2 + 2; i--) words[i] = words[i - 2];
      }
      words[q * 2] = low;
      words[q * 2 + 1] = high;
      // Bounds of later shards inside the shifted stretch move with it; this and earlier
      // (empty) shards now start no later than the new key.
      const last = (slab << SUB_BITS) | SUB_MASK;
      for (let t = shard + 1; t <= last && this.bound[t] < e; t++) this.bound[t]++;
      const firstShard = slab << SUB_BITS;
      for (let t = shard; t >= firstShard && this.bound[t] > q; t--) this.bound[t] = q;
      this.live[slab]++;
      this.count++;
      return true;
    }
  }

  /** Removes the key at slot `p` of `shard`'s slab, shifting displaced followers back. */
  private removeAt(shard: number, p: number): void {
    const slab = shard >>> SUB_BITS;
    const words = this.slabs[slab];
    const end = words.length >> 1;
    const first = slab << SUB_BITS;
    const scale = this.scale[slab];
    let sub = shard & SUB_MASK;
    let q = p;
    for (let r = p + 1; r < end; r++) {
      const h = words[r * 2 + 1];
      const l = words[r * 2];
      if (h === 0 && l === 0) break;
      while (sub < SUB_MASK && this.bound[first + sub + 1] <= r) sub++;
      if (Math.floor((sub * TWO_32 + h + 2147483648) * scale) > q) break; // at its home already
      words[q * 2] = l;
      words[q * 2 + 1] = h;
      q = r;
    }
    words[q * 2] = 0;
    words[q * 2 + 1] = 0;
    const last = first | SUB_MASK;
    for (let t = shard + 1; t <= last && this.bound[t] <= q; t++) if (this.bound[t] > p) this.bound[t]--;
    if (this.bound[shard] === p && q === p) {
      let next = p + 1;
      while (next < end && words[next * 2] === 0 && words[next * 2 + 1] === 0) next++;
      for (let t = shard; t >= first && this.bound[t] === p; t--) this.bound[t] = next;
    }
    this.live[slab]--;
    this.count--;
  }

  /** Grows a full slab by {@link GROWTH} and lays it out again. */
  private grow(slab: number): void {
    const oldEnd = this.slabs[slab].length >> 1;
    const n = this.compact(slab);
    const cap = Math.max(Math.ceil(this.capOf(slab) * GROWTH), Math.ceil((n + 1) / MAX_LOAD), MIN_CAP);
    this.layout(slab, n, oldEnd, cap);
  }

  /**
   * Moves a slab's keys, in order, to its first slots (each moves left, so a forward pass is
   * safe) and counts them per shard into `perSub`. Returns how many there are.
   */
  private compact(slab: number): number {
    const words = this.slabs[slab];
    const end = words.length >> 1;
    const first = slab << SUB_BITS;
    this.perSub.fill(0);
    let sub = 0;
    let n = 0;
    for (let p = 0; p < end; p++) {
      const l = words[p * 2];
      const h = words[p * 2 + 1];
      if (h === 0 && l === 0) continue;
      while (sub < SUB_MASK && this.bound[first + sub + 1] <= p) sub++;
      this.perSub[sub]++;
      words[n * 2] = l;
      words[n * 2 + 1] = h;
      n++;
    }
    return n;
  }

  /**
   * Lays out a slab whose `n` keys sit sorted in its first slots (`perSub` keys per shard): each
   * goes to max(its home, the slot after the previous key), with homes scaled to at least
   * `cap` slots (more if the last keys would overflow the tail). Slots before `staleEnd` that
   * receive no key are cleared.
   */
  private layout(slab: number, n: number, staleEnd: number, cap: number): void {
    if (this.positions.length < n) this.positions = new Int32Array(Math.ceil(n * 1.25));
    const pos = this.positions;
    let scale = 0;
    for (;;) {
      scale = cap / (SUBS * TWO_32);
      const words = this.slabs[slab];
      let prev = -1;
      let i = 0;
      for (let t = 0; t < SUBS; t++) {
        for (let k = this.perSub[t]; k > 0; k--, i++) {
          const home = Math.floor((t * TWO_32 + words[i * 2 + 1] + 2147483648) * scale);
          prev = home > prev ? home : prev + 1;
          pos[i] = prev;
        }
      }
      if (prev < cap + TAIL) break;
      cap = Math.ceil(cap * GROWTH);
    }
    const words = this.resizeSlab(slab, cap);
    for (let i = n - 1; i >= 0; i--) {
      const p = pos[i];
      if (p !== i) {
        words[p * 2] = words[i * 2];
        words[p * 2 + 1] = words[i * 2 + 1];
      }
    }
    let k = 0;
    for (let p = 0; p < staleEnd; p++) {
      if (k < n && pos[k] === p) k++;
      else {
        words[p * 2] = 0;
        words[p * 2 + 1] = 0;
      }
    }
    const first = slab << SUB_BITS;
    const end = cap + TAIL;
    let i = 0;
    let pending = 0;
    for (let t = 0; t < SUBS; t++) {
      if (this.perSub[t] === 0) continue;
      for (; pending <= t; pending++) this.bound[first + pending] = pos[i];
      i += this.perSub[t];
    }
    for (; pending < SUBS; pending++) this.bound[first + pending] = end;
    this.scale[slab] = scale;
    this.live[slab] = n;
    this.maxLive[slab] = Math.floor(cap * MAX_LOAD);
  }

  /**
   * Resizes slab `slab` to `cap` nominal slots plus the tail, in place (its buffer is
   * resizable, so the pages it has are kept and no old copy is left for the allocator to
   * fragment); new slots are zero. Returns the new view.
   */
  private resizeSlab(slab: number, cap: number): Int32Array {
    const bytes = (cap + TAIL) * 8;
    if (bytes > SLAB_MAX_BYTES) {
      throw new StoreError(ErrorCodes.STORE_IO, `seen set full: a slab would exceed ${SLAB_MAX_BYTES} bytes`);
    }
    const buffer = this.slabs[slab].buffer as ResizableArrayBuffer;
    if (buffer.byteLength !== bytes) buffer.resize(bytes);
    this.slabs[slab] = new Int32Array(buffer, 0, (cap + TAIL) * 2);
    return this.slabs[slab];
  }
}

/** Sorts the `n` word pairs from pair `at` by (biased high signed, low unsigned): key order. */
function sortRun(words: Int32Array, at: number, n: number): void {
  if (n < 2) return;
  if (LITTLE_ENDIAN) {
    new BigInt64Array(words.buffer, words.byteOffset + at * 8, n).sort();
    return;
  }
  const run = words.subarray(at * 2, (at + n) * 2);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => run[a * 2 + 1] - run[b * 2 + 1] || (run[a * 2] ^ MIN) - (run[b * 2] ^ MIN));
  const copy = run.slice(0, n * 2);
  for (let i = 0; i < n; i++) {
    run[i * 2] = copy[order[i] * 2];
    run[i * 2 + 1] = copy[order[i] * 2 + 1];
  }
}
