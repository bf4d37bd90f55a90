/**
 * `superfilter bench seen`: fills a seen set with generated URLs (about 30% repeats), like
 * `scrapy bench`, and reports bytes of RAM and of disk per fingerprint, test-and-set checks per
 * second on precomputed fingerprints, and URLs per second end to end (URL string → canonical
 * URL → fingerprint → test-and-set). The last line of output is one JSON object.
 *
 * Invariants: the generated URLs are deterministic for a given count (a fixed-seed generator);
 * a temporary job directory is removed afterwards, a given `--dir` is kept; bad arguments exit
 * with code 2 and an `error SF_ARGS_INVALID` line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ErrorCodes, isSuperfilterError } from '../../errors.ts';
import { fingerprintInto } from '../../fingerprint/fingerprint.ts';
import { JobdirSeenFilter } from '../../seen/jobdir-seen-filter.ts';
import { MemorySeenFilter } from '../../seen/memory-seen-filter.ts';

/** Options of {@link runSeenBench}. */
export interface SeenBenchOptions {
  /** URLs to generate end to end (about 30% of them repeats). */
  count: number;
  store: 'memory' | 'jobdir';
  /** Job directory for `jobdir` (default: a temporary one, removed afterwards). */
  dir?: string;
  /** Fingerprints per addMany call. */
  batch: number;
  /** Precomputed fingerprints used to time checks (default: min(count, 1,000,000)). */
  checks?: number;
}

/** The figures `bench seen` reports. */
export interface SeenBenchResult {
  store: string;
  urls: number;
  distinct: number;
  duplicateShare: number;
  ramBytesPerFingerprint: number;
  /** The seen set's own memory per fingerprint (its estimate; the RSS figure also holds V8's heap). */
  setBytesPerFingerprint: number;
  diskBytesPerFingerprint: number;
  checksPerSecond: number;
  urlsPerSecond: number;
  batch: number;
}

/** Deterministic source of URLs where about 30% repeat an earlier one. */
class UrlSource {
  private state = 0x9e3779b9;
  private next = 0;

  private random(): number {
    // xorshift32: fast and reproducible; quality is ample for choosing repeats.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }

  url(): string {
    const k = this.next > 0 && this.random() < 0.3 ? Math.floor(this.random() * this.next) : this.next++;
    return `https://shop${k % 997}.example.com/catalog/item-${k}.html?ref=list&page=${k % 50}&id=${k}`;
  }
}

function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss();
}

/** Runs the benchmark and returns its figures. */
export async function runSeenBench(options: SeenBenchOptions): Promise<SeenBenchResult> {
  const tempDir = options.store === 'jobdir' && !options.dir ? mkdtempSync(join(tmpdir(), 'superfilter-bench-')) : undefined;
  const dir = options.dir ?? tempDir;
  const filter = options.store === 'jobdir' ? JobdirSeenFilter.open(dir!) : new MemorySeenFilter();
  try {
    const batch = options.batch;
    const buf = new Uint8Array(batch * 20);
    const views = Array.from({ length: batch }, (_, i) => buf.subarray(i * 20, i * 20 + 20));
    const source = new UrlSource();
    const before = rss();
    const start = performance.now();
    let fresh = 0;
    for (let done = 0; done < options.count; done += batch) {
      const n = Math.min(batch, options.count - done);
      for (let i = 0; i < n; i++) fingerprintInto({ url: source.url() }, buf, i * 20);
      for (const isNew of await filter.addMany(n === batch ? views : views.slice(0, n))) if (isNew) fresh++;
    }
    const urlSeconds = (performance.now() - start) / 1000;
    const ram = rss() - before;
    const distinct = filter.size;
    const setBytes = filter.bytesUsed();
    const disk = filter instanceof JobdirSeenFilter ? filter.diskBytes() : 0;
    // Checks on precomputed fingerprints: the same URL stream continued, fingerprinted first.
    const checks = Math.max(batch, Math.min(options.checks ?? 1_000_000, options.count));
    const all = new Uint8Array(checks * 20);
    for (let i = 0; i < checks; i++) fingerprintInto({ url: source.url() }, all, i * 20);
    // Each batch is copied into the reused batch buffer (as the fill does), so the timing
    // covers the set, not a million view objects.
    const checkStart = performance.now();
    for (let done = 0; done < checks; done += batch) {
      const n = Math.min(batch, checks - done);
      buf.set(all.subarray(done * 20, (done + n) * 20));
      await filter.addMany(n === batch ? views : views.slice(0, n));
    }
    const checkSeconds = (performance.now() - checkStart) / 1000;
    return {
      store: options.store,
      urls: options.count,
      distinct,
      duplicateShare: 1 - fresh / options.count,
      ramBytesPerFingerprint: ram / distinct,
      setBytesPerFingerprint: setBytes / distinct,
      diskBytesPerFingerprint: disk / distinct,
      checksPerSecond: checks / checkSeconds,
      urlsPerSecond: options.count / urlSeconds,
      batch,
    };
  } finally {
    await filter.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(ErrorCodes.ARGS_INVALID, `--${name} must be a whole number > 0 (got ${JSON.stringify(value)})`);
  }
  return n;
}

function formatResult(r: SeenBenchResult): string {
  const rows: [string, string][] = [
    ['store', r.store],
    ['URLs generated', r.urls.toLocaleString('en-US')],
    ['distinct fingerprints', `${r.distinct.toLocaleString('en-US')} (${(r.duplicateShare * 100).toFixed(1)}% repeats)`],
    ['RAM per fingerprint', `${r.ramBytesPerFingerprint.toFixed(2)} bytes (process RSS growth / distinct)`],
    ['  of which the set', `${r.setBytesPerFingerprint.toFixed(2)} bytes (the rest is mostly V8 heap the URL pipeline grew)`],
    ['disk per fingerprint', `${r.diskBytesPerFingerprint.toFixed(2)} bytes`],
    ['checks per second', `${Math.round(r.checksPerSecond).toLocaleString('en-US')} (precomputed, batches of ${r.batch})`],
    ['URLs per second', `${Math.round(r.urlsPerSecond).toLocaleString('en-US')} (canonicalize + fingerprint + test-and-set)`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(24)}${v}`).join('\n');
}

/** Adds `bench seen` (and the `bench` group when absent) to a commander program. */
export function registerBenchSeenCommand(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('benchmarks of superfilter parts');
  bench
    .command('seen')
    .description('fill a seen set with generated URLs (~30% repeats) and report RAM, disk and speed')
    .option('--count <n>', 'URLs to generate', '1000000')
    .option('--store <kind>', 'memory or jobdir', 'memory')
    .option('--dir <path>', 'job directory for --store jobdir (default: a temporary one)')
    .option('--batch <n>', 'fingerprints per addMany', '1000')
    .action(async (raw: { count: string; store: string; dir?: string; batch: string }) => {
      try {
        if (raw.store !== 'memory' && raw.store !== 'jobdir') {
          throw new ConfigError(ErrorCodes.ARGS_INVALID, `--store must be memory or jobdir (got ${JSON.stringify(raw.store)})`);
        }
        const result = await runSeenBench({ count: positiveInt('count', raw.count), store: raw.store, dir: raw.dir, batch: positiveInt('batch', raw.batch) });
        process.stdout.write(`${formatResult(result)}\n${JSON.stringify(result)}\n`);
      } catch (error) {
        if (!isSuperfilterError(error)) throw error;
        process.stderr.write(`error ${error.code}: ${error.message}\n`);
        process.exitCode = error.code === ErrorCodes.ARGS_INVALID ? 2 : 1;
      }
    });
}
