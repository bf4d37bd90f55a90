/**
 * `superfilter status DIR` for a job directory: the counts and the largest host queues, read
 * without taking the lock, so it works while a crawl runs in the directory (and on a
 * directory whose owner died).
 *
 * It opens every file read-only and writes nothing. A live owner may append while the queue
 * log is read (the figures are those of a moment during the read) or compact it (the file it
 * was reading disappears): then the read is simply done again. A torn tail is ignored, not cut.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { FeedCheckpoint, FrontierStats, HostStats } from '../../contracts.ts';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { SeenLog } from '../../seen/seen-log.ts';
import { type LockOwner, isAlive, readLock } from './job-lock.ts';
import { SEEN_FILE, checkFormat, queueGenerations, queueLogPath } from './jobdir-layout.ts';
import { QueueLog } from './queue-log.ts';
import { replayEntries, replayRecords } from './replay.ts';

/** What `superfilter status` reports for a job directory. */
export interface JobdirStatus extends FrontierStats {
  dir: string;
  generation: number;
  /** The process holding the lock, and whether it is alive; null when no lock. */
  owner: (LockOwner & { alive: boolean }) | null;
  feed: FeedCheckpoint | null;
  /** Hosts with pending or leased requests, largest queue first. */
  hosts: HostStats[];
  /** Hosts with pending or leased requests, in all. */
  hostCount: number;
  /** Bytes on disk: queue log and seen log. */
  bytes: { queue: number; seen: number };
}

/** Reads the status of the job directory `dir`; `top` limits the hosts listed. */
export function readJobdirStatus(dir: string, top = 10): JobdirStatus {
  if (!fs.existsSync(dir)) throw new StoreError(ErrorCodes.STORE_IO, `${dir} does not exist`, { details: { dir } });
  checkFormat(dir, true);
  for (let attempt = 0; ; attempt++) {
    try {
      return readOnce(dir, top);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code;
      // A compaction by the live owner replaced the file under us: read the new one.
      if (attempt < 3 && (code === 'ENOENT' || error instanceof StoreError)) continue;
      throw error;
    }
  }
}

function readOnce(dir: string, top: number): JobdirStatus {
  const gens = queueGenerations(dir);
  if (gens.length === 0) throw new StoreError(ErrorCodes.STORE_IO, `${dir} holds no queue log yet`, { details: { dir } });
  const generation = gens[gens.length - 1];
  const log = QueueLog.open(queueLogPath(dir, generation), true);
  try {
    const { state, settled } = replayRecords(log);
    const pendingByHost = new Map<number, number>();
    let pending = 0;
    replayEntries(
      log,
      state,
      settled,
      (ref, hostId) => {
        if (state.leases.get(ref)?.leased) return;
        pending++;
        pendingByHost.set(hostId, (pendingByHost.get(hostId) ?? 0) + 1);
      },
      () => {},
    );
    const leasedByHost = new Map<number, number>();
    let leased = 0;
    // Leases of settled refs were deleted by replay, so every leased state here is open.
    const hostOfRef = new Map<number, number>();
    for (const [ref, s] of state.leases) if (s.leased) hostOfRef.set(ref, -1);
    if (hostOfRef.size > 0) {
      for (const ref of hostOfRef.keys()) {
        const head = log.read(ref, 8);
        const hostId = head.buf.readUInt32LE(head.at + 4);
        leasedByHost.set(hostId, (leasedByHost.get(hostId) ?? 0) + 1);
        leased++;
      }
    }
    const hosts: HostStats[] = [];
    for (const id of new Set([...pendingByHost.keys(), ...leasedByHost.keys()])) {
      hosts.push({ host: state.hosts[id] ?? `#${id}`, pending: pendingByHost.get(id) ?? 0, leased: leasedByHost.get(id) ?? 0 });
    }
    hosts.sort((a, b) => b.pending - a.pending || b.leased - a.leased || (a.host < b.host ? -1 : 1));
    const seen = countSeen(dir);
    const owner = readLock(dir);
    return {
      dir,
      generation,
      owner: owner === null ? null : { ...owner, alive: isAlive(owner) },
      pending,
      leased,
      done: state.done,
      failed: state.failed,
      retired: state.retired,
      seen: seen.count,
      items: state.items,
      feed: state.feed ?? null,
      hosts: hosts.slice(0, Math.max(0, top)),
      hostCount: hosts.length,
      bytes: { queue: log.byteLength, seen: seen.bytes },
    };
  } finally {
    log.close();
  }
}

function countSeen(dir: string): { count: number; bytes: number } {
  const path = join(dir, SEEN_FILE);
  if (!fs.existsSync(path)) return { count: 0, bytes: 0 };
  const log = SeenLog.open(path, { readOnly: true });
  try {
    return { count: log.openInfo.fingerprints, bytes: log.byteLength };
  } finally {
    log.close();
  }
}

/** The status as a human table. */
export function formatJobdirStatus(s: JobdirStatus): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const owner =
    s.owner === null ? 'not in use' : s.owner.alive ? `in use by process ${s.owner.pid}` : `last used by process ${s.owner.pid} (dead; resumable)`;
  const lines = [
    `job directory ${s.dir} (${owner})`,
    '',
    ...(
      [
        ['pending', s.pending],
        ['leased', s.leased],
        ['done', s.done],
        ['failed', s.failed],
        ['retired', s.retired],
        ['seen', s.seen],
        ['items', s.items],
      ] as const
    ).map(([k, v]) => `  ${k.padEnd(8)} ${n(v).padStart(14)}`),
  ];
  if (s.feed) lines.push(`  ${'feed'.padEnd(8)} ${s.feed.path} at byte ${n(s.feed.offset)}`);
  lines.push(`  ${'disk'.padEnd(8)} ${n(s.bytes.queue + s.bytes.seen).padStart(14)} bytes (queue ${n(s.bytes.queue)}, seen ${n(s.bytes.seen)})`);
  if (s.hosts.length > 0) {
    const width = Math.max(4, ...s.hosts.map((h) => h.host.length));
    lines.push('', `  ${'host'.padEnd(width)} ${'pending'.padStart(10)} ${'leased'.padStart(7)}`);
    for (const h of s.hosts) lines.push(`  ${h.host.padEnd(width)} ${n(h.pending).padStart(10)} ${n(h.leased).padStart(7)}`);
    if (s.hostCount > s.hosts.length) lines.push(`  … and ${n(s.hostCount - s.hosts.length)} more hosts`);
  }
  return lines.join('\n');
}
