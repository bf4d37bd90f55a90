/**
 * The worker's side of the crawl-level index (lua/crawl-lib.lua): host summaries returned by
 * host scripts wait here and travel to Redis with the worker's next crawl-level call (a
 * claim, an expiry sweep, stats), so reporting costs no round trip of its own.
 *
 * Invariants: per host only the newest summary (highest version) is kept; a flush that fails
 * puts its summaries back; the index in Redis applies a summary only if it is newer than the
 * one it holds, so resending is always safe.
 */
import type { FrontierStats, HostStats } from '../../contracts.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RedisScripts } from './redis-scripts.ts';

/** Number of values in a host summary (see `summary` in lua/host-lib.lua). */
export const SUMMARY_WIDTH = 12;

/** A host summary as the scripts return it: 12 decimal strings. */
export type Summary = string[];

/** The parts of a summary the client reads. */
export interface SummaryView {
  readyAt: number;
  leaseExp: number;
}

/** Reads readyAt and leaseExp of a summary (-1: none). */
export function viewSummary(s: Summary): SummaryView {
  return { readyAt: Number(s[10]), leaseExp: Number(s[11]) };
}

const TOTAL_FIELDS = ['pending', 'leased', 'done', 'failed', 'retired', 'seen', 'items'] as const;

/** Turns the totals reply of crawl-report.lua into FrontierStats. */
export function toStats(reply: readonly (string | null)[]): FrontierStats {
  const out = {} as Record<(typeof TOTAL_FIELDS)[number], number>;
  TOTAL_FIELDS.forEach((name, i) => {
    out[name] = Number(reply[i] ?? 0);
  });
  return out;
}

/** Pending reports of one worker, and the calls that carry them. */
export class CrawlIndex {
  private pending = new Map<string, Summary>();

  constructor(
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
  ) {}

  /** Number of hosts with a summary waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Keeps `summary` of `host` unless a newer one waits already. */
  add(host: string, summary: Summary): void {
    const held = this.pending.get(host);
    if (held === undefined || Number(held[0]) < Number(summary[0])) this.pending.set(host, summary);
  }

  /** Takes every waiting summary as script arguments (count, then host + 12 values each). */
  take(): { args: string[]; taken: Map<string, Summary> } {
    const taken = this.pending;
    this.pending = new Map();
    const args: string[] = [String(taken.size)];
    for (const [host, s] of taken) args.push(host, ...s);
    return { args, taken };
  }

  /** Puts summaries back after a failed call. */
  restore(taken: Map<string, Summary>): void {
    for (const [host, s] of taken) this.add(host, s);
  }

  /** Runs a crawl script whose arguments start with `head`, followed by the waiting reports. */
  async carry<T>(run: (reports: string[]) => Promise<T>): Promise<T> {
    const { args, taken } = this.take();
    try {
      return await run(args);
    } catch (error) {
      this.restore(taken);
      throw error;
    }
  }

  /** Sends waiting reports, registers `hosts`, and returns the crawl totals. */
  async report(register: readonly string[] = []): Promise<FrontierStats> {
    const reply = await this.carry((reports) =>
      this.scripts['crawl-report'](this.keys.index, [...reports, String(register.length), ...register]),
    );
    return toStats(reply as unknown as (string | null)[]);
  }
}

/** Parses the `hosts` hash into per-host queue sizes: hosts with work, largest queue first. */
export function parseHostStats(all: Record<string, string>, limit?: number): HostStats[] {
  const rows: HostStats[] = [];
  for (const [host, row] of Object.entries(all)) {
    const v = row.split(' ');
    const pending = Number(v[1]);
    const leased = Number(v[2]);
    if (host !== '' && (pending > 0 || leased > 0)) rows.push({ host, pending, leased });
  }
  rows.sort((a, b) => b.pending - a.pending || b.leased - a.leased || (a.host < b.host ? -1 : 1));
  return limit === undefined ? rows : rows.slice(0, limit);
}
