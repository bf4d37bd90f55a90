/**
 * One owner per job directory: a `lock` file naming the owning process.
 *
 * The file holds JSON `{ pid, start, boot, host }`: the pid, the process start time (clock
 * ticks since boot from /proc/<pid>/stat, where available), the kernel boot id and the host
 * name. A lock is live only if its host is this host, its boot id is the current boot, a
 * process with that pid exists (`process.kill(pid, 0)`), and that process started at the
 * recorded time: a reused pid after a crash or a reboot does not keep a dead owner's lock.
 *
 * Invariants: the lock is created with O_EXCL, so two live processes never both hold it;
 * a stale lock is moved aside with a rename (atomic) before the new owner creates its own, and
 * the new owner re-reads the file to be sure it is its own; `release` removes the file only
 * while it still names this process.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, StoreError } from '../../errors.ts';
import { storeErrorFromFs } from '../../seen/seen-log.ts';

/** Name of the lock file in the job directory. */
export const LOCK_FILE = 'lock';

/** What a lock file says about its owner. */
export interface LockOwner {
  pid: number;
  start: string | null;
  boot: string | null;
  host: string;
}

function readText(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Start time of `pid` in clock ticks since boot (Linux), or null when unknown. */
function startTimeOf(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Field 2 (comm) may hold spaces and parentheses: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** The current process as a lock owner. */
export function currentOwner(): LockOwner {
  return {
    pid: process.pid,
    start: startTimeOf(process.pid),
    boot: readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null,
    host: hostname(),
  };
}

/** True when the process named by `owner` is still running. */
export function isAlive(owner: LockOwner): boolean {
  const me = currentOwner();
  if (owner.host !== me.host) return true; // another machine (shared disk): cannot tell, assume alive
  if (owner.boot !== null && me.boot !== null && owner.boot !== me.boot) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start !== null) {
    const start = startTimeOf(owner.pid);
    if (start !== null && start !== owner.start) return false;
  }
  return true;
}

/** Reads the owner named in the lock of `dir`, or null when there is no readable lock. */
export function readLock(dir: string): LockOwner | null {
  const text = readText(join(dir, LOCK_FILE));
  if (text === null) return null;
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' ? owner : null;
  } catch {
    return null;
  }
}

function lockedError(dir: string, owner: LockOwner): StoreError {
  return new StoreError(
    ErrorCodes.STORE_LOCKED,
    `job directory ${dir} is in use by process ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}; stop it first (a dead process's lock is taken over automatically)`,
    { details: { dir, pid: owner.pid, host: owner.host } },
  );
}

/** The lock held on one job directory. */
export class JobLock {
  private held = true;

  private constructor(
    readonly dir: string,
    /** True when a dead owner's lock was taken over. */
    readonly tookOver: LockOwner | null,
  ) {}

  /** Takes the lock of `dir`; throws SF_STORE_LOCKED naming the pid of a live owner. */
  static acquire(dir: string): JobLock {
    const path = join(dir, LOCK_FILE);
    const me = currentOwner();
    const text = JSON.stringify(me);
    let tookOver: LockOwner | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.writeFileSync(path, text, { flag: 'wx' });
        if (readText(path) === text) return new JobLock(dir, tookOver);
        continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw storeErrorFromFs(error, 'cannot create lock', path);
      }
      const raw = readText(path);
      if (raw === null) continue;
      let owner: LockOwner | null = null;
      try {
        owner = JSON.parse(raw) as LockOwner;
      } catch {
        owner = null; // a lock torn by a crash while it was written: nobody holds it
      }
      if (owner !== null && typeof owner.pid === 'number' && isAlive(owner)) throw lockedError(dir, owner);
      // Stale: move it aside atomically, then check that what moved is what was judged stale.
      const aside = `${path}.stale.${process.pid}`;
      try {
        fs.renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readText(aside);
      if (moved !== raw) {
        // Another process replaced the stale lock between our read and rename: put it back.
        try {
          fs.renameSync(aside, path);
        } catch {
          // It is gone; the next attempt decides again.
        }
        continue;
      }
      fs.rmSync(aside, { force: true });
      tookOver = owner ?? { pid: -1, start: null, boot: null, host: hostname() };
    }
    const owner = readLock(dir);
    if (owner !== null) throw lockedError(dir, owner);
    throw new StoreError(ErrorCodes.STORE_LOCKED, `job directory ${dir}: could not take the lock`, { details: { dir } });
  }

  /** Removes the lock if it still names this process; releasing twice is harmless. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const path = join(this.dir, LOCK_FILE);
    const owner = readLock(this.dir);
    if (owner !== null && owner.pid === process.pid) fs.rmSync(path, { force: true });
  }
}
