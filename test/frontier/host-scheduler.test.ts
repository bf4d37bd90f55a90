import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostQueue } from '../../src/frontier/host-queue.ts';
import { HostScheduler, type HostSlot } from '../../src/frontier/host-scheduler.ts';

type Work = HostQueue<string>;

function scheduler(policy = { concurrency: 2, delayMs: 0 }, random?: () => number) {
  return new HostScheduler<Work>({ defaultPolicy: policy, createWork: () => new HostQueue<string>(), random });
}

function add(s: HostScheduler<Work>, host: string, n: number): HostSlot<Work> {
  const slot = s.slot(host);
  for (let i = 0; i < n; i++) slot.work.push(`${host}/${i}`, 0, 0);
  s.workAdded(slot);
  return slot;
}

/** Takes up to `max` starts at `now`, as a frontier's lease does; returns the hosts in order. */
function take(s: HostScheduler<Work>, now: number, max = 100): string[] {
  const out: string[] = [];
  while (out.length < max) {
    const slot = s.nextReady(now);
    if (!slot) break;
    slot.work.pop();
    s.started(slot, now);
    out.push(slot.host);
  }
  return out;
}

describe('HostScheduler', () => {
  it('serves ready hosts round-robin, bounded by concurrency', () => {
    const s = scheduler({ concurrency: 2, delayMs: 0 });
    add(s, 'a', 5);
    add(s, 'b', 5);
    add(s, 'c', 1);
    assert.deepEqual(take(s, 0), ['a', 'b', 'c', 'a', 'b']);
    assert.deepEqual(take(s, 1), []);
    assert.equal(s.wakeAt(), undefined, 'blocked hosts are not waiting on time');
  });

  it('frees a slot on finished and resumes the host', () => {
    const s = scheduler({ concurrency: 1, delayMs: 0 });
    const a = add(s, 'a', 3);
    assert.deepEqual(take(s, 0), ['a']);
    assert.equal(a.inFlight, 1);
    s.finished(a);
    assert.deepEqual(take(s, 0), ['a']);
    s.finished(a);
    s.finished(a);
    assert.equal(a.inFlight, 0, 'never negative');
    assert.deepEqual(take(s, 0), ['a']);
    assert.deepEqual(take(s, 0), []);
  });

  it('spaces starts by the delay, and a waiting host does not block others', () => {
    const s = scheduler({ concurrency: 10, delayMs: 100 });
    add(s, 'a', 3);
    add(s, 'b', 3);
    assert.deepEqual(take(s, 1000), ['a', 'b']);
    assert.equal(s.wakeAt(), 1100);
    assert.deepEqual(take(s, 1099), []);
    assert.deepEqual(take(s, 1100), ['a', 'b']);
    s.setPolicy('b', { delayMs: 0 });
    assert.deepEqual(take(s, 1101), ['b']);
    assert.equal(s.wakeAt(), 1200);
  });

  it('adds jitter drawn from the random source', () => {
    let r = 0.5;
    const s = scheduler({ concurrency: 10, delayMs: 100, jitterMs: 40 } as never, () => r);
    add(s, 'a', 3);
    take(s, 0);
    assert.equal(s.wakeAt(), 120);
    r = 0.999;
    take(s, 120);
    assert.equal(s.wakeAt(), 120 + 139);
  });

  it('setPolicy merges with the default and re-times a waiting host', () => {
    const s = scheduler({ concurrency: 1, delayMs: 500 });
    const a = add(s, 'a', 5);
    take(s, 0);
    s.finished(a);
    assert.equal(s.wakeAt(), 500);
    s.setPolicy('a', { delayMs: 50 });
    assert.equal(a.concurrency, 1);
    assert.equal(s.wakeAt(), 50);
    s.setPolicy('a', { concurrency: 3 });
    assert.equal(a.delayMs, 50);
    assert.deepEqual(take(s, 50), ['a']);
    // Lowering concurrency while a host sits ready takes it out of turn.
    s.setPolicy('a', { delayMs: 0 });
    s.setPolicy('a', { concurrency: 1 });
    assert.deepEqual(take(s, 60), []);
  });

  it('handles many hosts without scanning: ready ones come back in turn', () => {
    const s = scheduler({ concurrency: 1, delayMs: 10 });
    for (let h = 0; h < 1000; h++) add(s, `h${h}`, 2);
    const first = take(s, 0, 10_000);
    assert.equal(first.length, 1000);
    for (const h of first) s.finished(s.find(h)!);
    assert.deepEqual(take(s, 9), []);
    assert.equal(s.wakeAt(), 10);
    const second = take(s, 10, 10_000);
    assert.deepEqual(second, first);
    assert.equal(s.size, 1000);
  });
});
