/**
 * How a 20-byte fingerprint becomes the 80-bit key the seen set keeps, and how that key is
 * stored as two 32-bit words.
 *
 * Invariants:
 * - the key is the fingerprint's first 80 bits: 16 shard bits, then a high and a low 32-bit
 *   word, read big-endian so that key order is byte order;
 * - a stored pair is [low, high ^ HIGH_BIAS] as signed 32-bit integers: they stay small
 *   integers for V8, and signed order of the biased high word is unsigned order of the key's,
 *   so plain `<` compares keys;
 * - on little-endian machines such a pair read as one 64-bit integer is (biased high, low), so
 *   a run of pairs viewed as a `BigInt64Array` sorts in key order natively ({@link LITTLE_ENDIAN}
 *   says whether that holds).
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
/** Bias between a high word and its stored form (also the sign bit). */
export const HIGH_BIAS = 0x80000000 | 0;
/** True when stored pairs sort in key order as native 64-bit integers. */
export const LITTLE_ENDIAN = endianness() === 'LE';

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
export function word(b: Uint8Array, offset: number): number {
  return (b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3];
}
