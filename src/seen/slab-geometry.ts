/**
 * The shape of the seen set's tables: how shards group into slabs, where a key's home slot
 * lies, and how full a slab may get.
 *
 * Invariants:
 * - 65,536 shards, 256 to a slab, 256 slabs: the shard-in-slab bits are not stored, a slab's
 *   per-shard bounds tell them apart, so 256 shards per slab is what keeps a key at 8 bytes;
 * - a key's home slot in a slab of nominal capacity `cap` is
 *   floor((shard-in-slab · 2^32 + unsigned high word) · cap / (256 · 2^32)), so homes are
 *   uniform for SHA-1 keys and never move left when `cap` grows;
 * - a slab holds TAIL slots past its nominal capacity for keys displaced beyond the last home;
 * - a slab's load stays between MAX_LOAD / GROWTH (61%) and MAX_LOAD (85%): 9.4 to 13.2 bytes
 *   per key.
 *
 * These are constants only, with no code that reads them in a loop: a module's exported
 * bindings are reloaded at every use in optimized code, so each module with hot loops copies
 * the ones it needs into module constants of its own, which V8 folds.
 */
import { SHARD_BITS } from './fingerprint-key.ts';

/** Number of shards (one per value of the shard bits). */
export const SHARDS = 1 << SHARD_BITS;
/** Shard bits implied by a key's position in its slab. */
export const SUB_BITS = 8;
/** Shards per slab. */
export const SUBS = 1 << SUB_BITS;
/** Mask of a shard's index inside its slab. */
export const SUB_MASK = SUBS - 1;
/** Number of slabs. */
export const SLABS = SHARDS >>> SUB_BITS;
/** 2^32: the span of one shard's high words in home-slot arithmetic. */
export const TWO_32 = 4294967296;
/** Slots past the table's nominal capacity, for keys displaced beyond its last home slot. */
export const TAIL = 256;
/** Smallest nominal capacity of a slab holding keys. */
export const MIN_CAP = 64;
/** A slab grows when more than this share of its nominal slots is used... */
export const MAX_LOAD = 0.85;
/** ...by this factor (load right after: 0.85 / 1.4 ≈ 0.61). */
export const GROWTH = 1.4;
