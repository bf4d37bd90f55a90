/**
 * The jobdir store against the shared conformance suite (with reopen), twice: as configured by
 * default, and with its queue log compacted after nearly every write. What only a job
 * directory has is tested beside it: jobdir-crash (kill -9, the lock), jobdir-errors,
 * jobdir-compaction, jobdir-status.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoreOptions } from '../../src/contracts.ts';
import { JobdirStore } from '../../src/stores/jobdir/jobdir-store.ts';
import { runStoreConformance } from './conformance.ts';

const dirs = new WeakMap<Store, { dir: string; options: StoreOptions }>();

runStoreConformance('jobdir', {
  async create(options) {
    const dir = mkdtempSync(join(tmpdir(), 'sf-jobdir-conf-'));
    const store = new JobdirStore({ ...options, dir });
    dirs.set(store, { dir, options });
    return store;
  },
  async reopen(previous) {
    const { dir, options } = dirs.get(previous)!;
    const store = new JobdirStore({ ...options, dir });
    dirs.set(store, { dir, options });
    return store;
  },
  async destroy(store) {
    const entry = dirs.get(store);
    if (entry) rmSync(entry.dir, { recursive: true, force: true });
  },
});

// The same suite with a queue log compacted after nearly every write: compaction must keep
// every pending, delayed and leased request, their delivery counts and every counter.
runStoreConformance('jobdir, compacting after every write', {
  async create(options) {
    const dir = mkdtempSync(join(tmpdir(), 'sf-jobdir-compact-'));
    const store = new JobdirStore({ ...options, dir, compactSlackBytes: 1 });
    dirs.set(store, { dir, options });
    return store;
  },
  async reopen(previous) {
    const { dir, options } = dirs.get(previous)!;
    const store = new JobdirStore({ ...options, dir, compactSlackBytes: 1 });
    dirs.set(store, { dir, options });
    return store;
  },
  async destroy(store) {
    const entry = dirs.get(store);
    if (entry) rmSync(entry.dir, { recursive: true, force: true });
  },
});
