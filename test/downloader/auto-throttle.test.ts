import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AutoThrottle } from '../../src/downloader/auto-throttle.ts';

describe('AutoThrottle', () => {
  it('starts at the start delay and moves halfway towards latency / target concurrency', () => {
    const t = new AutoThrottle({ startDelayMs: 1000, targetConcurrency: 2 });
    assert.equal(t.delayMs('a.test'), 1000);
    assert.equal(t.observe('a.test', 200, 200), 550); // target 100: (1000 + 100) / 2
    assert.equal(t.observe('a.test', 200, 200), 325);
    for (let i = 0; i < 30; i++) t.observe('a.test', 200, 200);
    assert.ok(Math.abs(t.delayMs('a.test') - 100) < 1, 'converges on latency / concurrency');
    assert.equal(t.delayMs('b.test'), 1000, 'hosts are independent');
  });

  it('never goes below the target delay when latency jumps up', () => {
    const t = new AutoThrottle({ startDelayMs: 100 });
    assert.equal(t.observe('a.test', 3000, 200), 3000);
  });

  it('stays within min and max', () => {
    const t = new AutoThrottle({ startDelayMs: 500, minDelayMs: 300, maxDelayMs: 2000 });
    for (let i = 0; i < 20; i++) t.observe('a.test', 1, 200);
    assert.equal(t.delayMs('a.test'), 300);
    t.observe('a.test', 50_000, 200);
    assert.equal(t.delayMs('a.test'), 2000);
  });

  it('error responses never lower the delay but may raise it', () => {
    const t = new AutoThrottle({ startDelayMs: 1000 });
    assert.equal(t.observe('a.test', 10, 500), 1000);
    assert.equal(t.observe('a.test', 10, 0), 1000);
    assert.equal(t.observe('a.test', 4000, 503), 4000);
    assert.equal(t.observe('a.test', 10, 200), 2005);
  });
});
