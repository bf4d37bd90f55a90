import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSeenBench } from '../../src/cli/commands/bench-seen.ts';

describe('bench seen', () => {
  it('fills a memory seen set with about 30% repeats and reports its figures', async () => {
    const r = await runSeenBench({ count: 20_000, store: 'memory', batch: 500, checks: 5_000 });
    assert.equal(r.urls, 20_000);
    assert.ok(r.duplicateShare > 0.25 && r.duplicateShare < 0.35, `repeats ${r.duplicateShare}`);
    assert.equal(r.distinct, Math.round(20_000 * (1 - r.duplicateShare)));
    assert.equal(r.diskBytesPerFingerprint, 0);
    assert.ok(r.checksPerSecond > 0 && r.urlsPerSecond > 0);
  });

  it('reports about 20 bytes on disk per fingerprint for a job directory', async () => {
    const r = await runSeenBench({ count: 10_000, store: 'jobdir', batch: 1_000, checks: 2_000 });
    assert.ok(r.diskBytesPerFingerprint > 20 && r.diskBytesPerFingerprint <= 24, `disk ${r.diskBytesPerFingerprint}`);
  });
});
