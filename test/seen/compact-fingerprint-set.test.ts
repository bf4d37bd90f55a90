import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, isSuperfilterError } from '../../src/errors.ts';
import { CompactFingerprintSet, KEPT_BITS } from '../../src/seen/compact-fingerprint-set.ts';
import { MemorySeenFilter } from '../../src/seen/memory-seen-filter.ts';
import { hex, randomFps } from './helpers.ts';

/** Picks `n` fingerprints from `pool` at random (so about the right share repeats). */
function draw(pool: Uint8Array[], n: number): Uint8Array[] {
  return Array.from({ length: n }, () => pool[Math.floor(Math.random() * pool.length)]);
}

describe('CompactFingerprintSet', () => {
  it('answers exactly like a reference Set on random batches with repeats inside a batch', () => {
    const set = new CompactFingerprintSet();
    const ref = new Set<string>();
    const pool = randomFps(30_000);
    for (let round = 0; round < 40; round++) {
      const batch = draw(pool, 1_000);
      batch.push(batch[0], batch[1]); // certain repeats inside the batch
      const got = set.addMany(batch);
      const want = batch.map((fp) => {
        const k = hex(fp);
        const fresh = !ref.has(k);
        ref.add(k);
        return fresh;
      });
      assert.deepEqual(got, want);
      assert.equal(got[got.length - 1], false);
      assert.equal(set.size, ref.size);
    }
    for (const fp of pool) assert.equal(set.has(fp), ref.has(hex(fp)));
    for (const fp of randomFps(2_000)) assert.equal(set.has(fp), false);
  });

  it('keeps one shard sorted and correct while it grows from empty', () => {
    const set = new CompactFingerprintSet();
    const fps = randomFps(5_000).map((fp) => {
      fp[0] = 0xab; // every key in the same shard: exercises growth and insertion at every position
      fp[1] = 0xcd;
      return fp;
    });
    let bytes = set.bytesUsed();
    for (let i = 0; i < fps.length; i++) {
      assert.equal(set.add(fps[i]), true);
      if (i % 500 === 0) {
        assert.ok(set.bytesUsed() >= bytes);
        bytes = set.bytesUsed();
      }
    }
    assert.equal(set.size, 5_000);
    // One shard is a worst case for the layout (its keys crowd into 1/256 of a slab's slots),
    // yet the set stays bounded: the slab grows until the crowd fits its tail.
    assert.ok(set.bytesUsed() < 5_000 * 128, `bytes ${set.bytesUsed()}`);
    const keys: bigint[] = [];
    set.forEachKey((shard, high, low) => {
      assert.equal(shard, 0xabcd);
      keys.push((BigInt(high) << 32n) | BigInt(low));
    });
    assert.equal(keys.length, 5_000);
    for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] < keys[i], 'keys strictly increasing');
    for (const fp of fps) assert.equal(set.add(fp), false);
  });

  it('stays between 8 and 16 bytes per key while uniform keys grow it from empty', () => {
    const set = new CompactFingerprintSet();
    let worst = 0;
    for (let round = 0; round < 60; round++) {
      set.addMany(randomFps(10_000));
      if (set.size >= 400_000) worst = Math.max(worst, set.bytesUsed() / set.size);
    }
    assert.equal(set.size, 600_000);
    const per = set.bytesUsed() / set.size;
    assert.ok(per >= 8 && per <= 16, `bytes per key ${per}`);
    assert.ok(worst <= 16, `worst bytes per key ${worst}`);
  });

  it(`keeps ${KEPT_BITS} bits: fingerprints that differ only after them share a key`, () => {
    const set = new CompactFingerprintSet();
    const [a] = randomFps(1);
    const sameKey = a.slice();
    sameKey[19] ^= 0xff; // beyond the kept 80 bits
    const otherKey = a.slice();
    otherKey[KEPT_BITS / 8 - 1] ^= 0x01; // the last kept bit
    assert.equal(set.add(a), true);
    assert.equal(set.add(sameKey), false);
    assert.equal(set.add(otherKey), true);
  });

  it('bulk loads the same set as one-by-one inserts, duplicates included', () => {
    const fps = randomFps(20_000);
    const records = new Uint8Array(25_000 * 20);
    for (let i = 0; i < 25_000; i++) records.set(fps[i % 20_000], i * 20);
    const bulk = new CompactFingerprintSet();
    bulk.add(fps[5]); // already present before the load
    assert.equal(bulk.addBulk(records, 25_000), 19_999);
    const one = new CompactFingerprintSet();
    for (const fp of fps) one.add(fp);
    assert.equal(bulk.size, one.size);
    const a: string[] = [];
    const b: string[] = [];
    bulk.forEachKey((s, h, l) => a.push(`${s}:${h}:${l}`));
    one.forEachKey((s, h, l) => b.push(`${s}:${h}:${l}`));
    assert.deepEqual(a, b);
    for (const fp of randomFps(200)) assert.equal(bulk.add(fp), true);
  });

  it('matches a reference Set under adds, deletes and bulk loads crowded into one slab', () => {
    // All keys share their first byte (one slab) and use a few shards of it, so keys of
    // neighbouring shards displace each other, the slab grows many times, and deletes shift
    // keys across shard boundaries.
    const set = new CompactFingerprintSet();
    const ref = new Map<string, Uint8Array>();
    const pool = randomFps(6_000).map((fp, i) => {
      fp[0] = 0x42;
      fp[1] = [0, 1, 2, 7, 200, 255][i % 6];
      if (i % 10 === 0) fp[2] = fp[3] = fp[4] = fp[5] = 0; // equal high words: order by low word
      return fp;
    });
    // The key stored as two zero words (high word 0x80000000, low word 0), in two shards.
    for (const shard of [1, 255]) {
      const zero = new Uint8Array(20);
      zero[0] = 0x42;
      zero[1] = shard;
      zero[2] = 0x80;
      zero[15] = 7; // beyond the kept bits
      pool.push(zero);
    }
    for (let round = 0; round < 30; round++) {
      const batch = draw(pool, 400);
      const got = set.addMany(batch);
      batch.forEach((fp, i) => {
        const k = hex(fp.subarray(0, 10));
        assert.equal(got[i], !ref.has(k), `round ${round} add ${i}`);
        ref.set(k, fp);
      });
      for (const fp of draw(pool, 120)) assert.equal(set.delete(fp), ref.delete(hex(fp.subarray(0, 10))));
      if (round % 10 === 9) {
        const bulk = draw(pool, 300);
        const records = new Uint8Array(bulk.length * 20);
        bulk.forEach((fp, i) => {
          records.set(fp, i * 20);
        });
        const before = ref.size;
        for (const fp of bulk) ref.set(hex(fp.subarray(0, 10)), fp);
        assert.equal(set.addBulk(records, bulk.length), ref.size - before);
      }
      assert.equal(set.size, ref.size);
      for (const fp of pool) assert.equal(set.has(fp), ref.has(hex(fp.subarray(0, 10))));
      const seen: string[] = [];
      set.forEachKey((shard, high, low) => {
        seen.push(shard.toString(16).padStart(4, '0') + high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0'));
      });
      assert.deepEqual(seen, [...ref.keys()].sort(), `round ${round}: forEachKey lists every key once, in order`);
    }
  });

  it('deletes keys and refuses malformed fingerprints without changing', () => {
    const set = new CompactFingerprintSet();
    const fps = randomFps(100);
    set.addMany(fps);
    assert.equal(set.delete(fps[10]), true);
    assert.equal(set.delete(fps[10]), false);
    assert.equal(set.has(fps[10]), false);
    assert.equal(set.size, 99);
    assert.throws(
      () => set.addMany([randomFps(1)[0], new Uint8Array(19)]),
      (e) => isSuperfilterError(e, ErrorCodes.FINGERPRINT_INVALID),
    );
    assert.equal(set.size, 99);
  });
});

describe('MemorySeenFilter', () => {
  it('implements the SeenFilter contract and refuses calls once closed', async () => {
    const filter = new MemorySeenFilter();
    const [a, b] = randomFps(2);
    assert.deepEqual(await filter.addMany([a, b, a]), [true, true, false]);
    assert.deepEqual(filter.addManySync([b]), [false]);
    assert.equal(filter.size, 2);
    assert.equal(filter.has(a), true);
    await filter.close();
    await filter.close();
    await assert.rejects(filter.addMany([a]), (e) => isSuperfilterError(e, ErrorCodes.STORE_CLOSED));
  });
});
