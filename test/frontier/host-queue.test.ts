import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostQueue } from '../../src/frontier/host-queue.ts';
import { TimeHeap } from '../../src/frontier/time-heap.ts';

/** A small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

describe('HostQueue', () => {
  it('pops by priority desc, then depth asc, then push order', () => {
    const q = new HostQueue<string>();
    assert.equal(q.pop(), undefined);
    q.push('a-p0d1', 0, 1);
    q.push('b-p0d0', 0, 0);
    q.push('c-p1d5', 1, 5);
    q.push('d-p0d0', 0, 0);
    q.push('e-pm1d0', -1, 0);
    q.push('f-p1d5', 1, 5);
    assert.equal(q.size, 6);
    assert.equal(q.peek(), 'c-p1d5');
    const out: string[] = [];
    for (let x = q.pop(); x !== undefined; x = q.pop()) out.push(x);
    assert.deepEqual(out, ['c-p1d5', 'f-p1d5', 'b-p0d0', 'd-p0d0', 'a-p0d1', 'e-pm1d0']);
    assert.equal(q.size, 0);
  });

  it('matches a sort by (priority desc, depth asc, seq) under random interleaved push/pop', () => {
    const rand = prng(7);
    const q = new HostQueue<number>();
    const model: { p: number; d: number; seq: number }[] = [];
    let seq = 0;
    for (let step = 0; step < 20_000; step++) {
      if (rand() < 0.6) {
        const p = Math.floor(rand() * 4) - 1;
        const d = Math.floor(rand() * 5);
        q.push(seq, p, d);
        model.push({ p, d, seq: seq++ });
      } else {
        model.sort((x, y) => y.p - x.p || x.d - y.d || x.seq - y.seq);
        const want = model.shift();
        assert.equal(q.pop(), want?.seq);
      }
      assert.equal(q.size, model.length);
    }
    const held: number[] = [];
    q.forEach((x) => {
      held.push(x);
    });
    assert.deepEqual(
      held.sort((a, b) => a - b),
      model.map((m) => m.seq).sort((a, b) => a - b),
    );
  });

  it('keeps FIFO across the compaction of a long bucket', () => {
    const q = new HostQueue<number>();
    for (let i = 0; i < 20_000; i++) q.push(i, 0, 0);
    for (let i = 0; i < 15_000; i++) assert.equal(q.pop(), i);
    for (let i = 20_000; i < 21_000; i++) q.push(i, 0, 0);
    for (let i = 15_000; i < 21_000; i++) assert.equal(q.pop(), i);
    assert.equal(q.pop(), undefined);
  });
});

describe('TimeHeap', () => {
  it('pops in time order, ties in insertion order', () => {
    const rand = prng(3);
    const heap = new TimeHeap<number>();
    const items: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rand() * 100);
      heap.push(t, i);
      items.push([t, i]);
    }
    items.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [t, i] of items) {
      assert.equal(heap.peekTime(), t);
      assert.equal(heap.pop(), i);
    }
    assert.equal(heap.pop(), undefined);
    assert.equal(heap.peekTime(), undefined);
  });
});
