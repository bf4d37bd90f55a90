/**
 * Opening a job directory's files: the current queue-log generation is replayed (or a new one
 * is created), the seen set is loaded and completed, and the frontier is refilled; leases of
 * the dead previous owner go back to the queue, or are retired past `maxDeliveries`.
 *
 * Invariants: leftovers of an interrupted compaction are cleaned first (`*.tmp` files, older
 * generations); a torn tail is cut with a warning; nothing else is written except the
 * fingerprints re-added to the seen log and one EXPIRE record for retired requests.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { FeedCheckpoint, HostPolicy } from '../../contracts.ts';
import type { HostSlot } from '../../frontier/host-scheduler.ts';
import { JOBDIR_FORMAT, SEEN_FILE, queueGenerations, queueLogPath, syncDirectory } from './jobdir-layout.ts';
import { QueueLog, recordChecksum } from './queue-log.ts';
import { RecordType, RecordWriter } from './queue-records.ts';
import type { RefFrontier } from './ref-frontier.ts';
import type { RefQueue } from './ref-queue.ts';
import { type KvEntry, type LogHeader, replayEntries, replayRecords } from './replay.ts';
import { SeenJournal } from './seen-journal.ts';

/** What opening found, for the store to take over. */
export interface Restored {
  log: QueueLog;
  journal: SeenJournal;
  generation: number;
  createdAt: number;
  done: number;
  failed: number;
  retired: number;
  items: number;
  feed: FeedCheckpoint | undefined;
  hostNames: string[];
  policies: Map<number, Partial<HostPolicy>>;
  kv: Map<string, KvEntry>;
  recoveredLeases: number;
}

/** Opens the files of `dir` (already locked) and refills `frontier`. */
export function restoreJobdir(dir: string, maxDeliveries: number, frontier: RefFrontier, warn: (message: string) => void): Restored {
  for (const name of fs.readdirSync(dir)) if (name.endsWith('.tmp')) fs.rmSync(join(dir, name), { force: true });
  const gens = queueGenerations(dir);
  const seenPath = join(dir, SEEN_FILE);
  if (gens.length === 0) return create(dir, seenPath, warn);
  const generation = gens[gens.length - 1];
  for (const old of gens.slice(0, -1)) fs.rmSync(queueLogPath(dir, old), { force: true });
  const log = QueueLog.open(queueLogPath(dir, generation), false);
  let journal: SeenJournal | undefined;
  try {
    const { state, settled } = replayRecords(log);
    if (state.tornBytes > 0) {
      warn(`${log.path}: torn tail of ${state.tornBytes} bytes at offset ${state.end} dropped (an interrupted write)`);
      log.truncate(state.end);
    }
    for (const [id, policy] of state.policies) frontier.scheduler.setPolicy(state.hosts[id], policy);
    const now = Date.now();
    for (const [k, e] of state.kv) if (e.e <= now) state.kv.delete(k);
    journal = SeenJournal.open(seenPath, state.seenMark, warn);
    const set = journal.set;
    const fresh: Uint8Array[] = [];
    const retiredNow: number[] = [];
    let recovered = 0;
    const slots: HostSlot<RefQueue>[] = [];
    replayEntries(
      log,
      state,
      settled,
      (ref, hostId, priority, depth, length) => {
        const s = state.leases.get(ref);
        if (s?.leased) {
          recovered++;
          if (s.deliveries >= maxDeliveries) {
            retiredNow.push(ref);
            return;
          }
        }
        const slot = (slots[hostId] ??= frontier.scheduler.slot(state.hosts[hostId]));
        if (s === undefined) frontier.pushTo(slot, ref, length, priority, depth);
        else frontier.pushTo(slot, ref, length, priority, depth, s.deliveries, s.leased ? undefined : s.readyAt);
      },
      (fps, count) => {
        for (let i = 0; i < count; i++) {
          const fp = fps.subarray(i * 20, i * 20 + 20);
          if (set.add(fp)) fresh.push(Uint8Array.from(fp));
        }
      },
    );
    journal.append(fresh);
    if (retiredNow.length > 0) {
      const w = new RecordWriter();
      const r = w.begin(RecordType.EXPIRE);
      w.u32(0);
      w.u32(retiredNow.length);
      for (const ref of retiredNow) w.f64(ref);
      w.end(r, recordChecksum);
      log.append(w.buf.subarray(0, w.length));
      warn(`${retiredNow.length} request(s) retired: leased ${maxDeliveries} times, each time by a process that died`);
    }
    return {
      log,
      journal,
      generation,
      createdAt: state.header.createdAt,
      done: state.done,
      failed: state.failed,
      retired: state.retired + retiredNow.length,
      items: state.items,
      feed: state.feed,
      hostNames: state.hosts,
      policies: state.policies,
      kv: state.kv,
      recoveredLeases: recovered,
    };
  } catch (error) {
    log.close();
    journal?.close();
    throw error;
  }
}

/** A new job: generation 1 holding only its header, created beside and renamed into place. */
function create(dir: string, seenPath: string, warn: (message: string) => void): Restored {
  const journal = SeenJournal.open(seenPath, null, warn);
  const createdAt = Date.now();
  const header: LogHeader = {
    format: JOBDIR_FORMAT,
    generation: 1,
    createdAt,
    done: 0,
    failed: 0,
    retired: 0,
    items: 0,
    seenMark: journal.markedLength,
  };
  const log = QueueLog.create(`${queueLogPath(dir, 1)}.tmp`);
  try {
    const w = new RecordWriter();
    const r = w.begin(RecordType.HEADER);
    w.utf8(JSON.stringify(header));
    w.end(r, recordChecksum);
    log.append(w.buf.subarray(0, w.length));
    log.sync();
    log.moveTo(queueLogPath(dir, 1));
    syncDirectory(dir);
  } catch (error) {
    log.close();
    journal.close();
    throw error;
  }
  return {
    log,
    journal,
    generation: 1,
    createdAt,
    done: 0,
    failed: 0,
    retired: 0,
    items: 0,
    feed: undefined,
    hostNames: [],
    policies: new Map(),
    kv: new Map(),
    recoveredLeases: 0,
  };
}
