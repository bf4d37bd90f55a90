/**
 * The crawl benchmark: a generated static site served by nginx pinned to one core, crawled by
 * `superfilter crawl` pinned to another; reports pages/s and peak RSS.
 *
 * Usage: node --import tsx bench/crawl/run.ts [--pages 10000] [--store memory|jobdir]
 *          [--concurrency 64] [--port 18080] [--crawler-core 1] [--nginx-core 0] [--site DIR]
 *          [--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 * Needs nginx (`apt-get install -y nginx-light`) and taskset.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSite } from './generate-site.ts';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '10000' },
    store: { type: 'string', default: 'memory' },
    concurrency: { type: 'string', default: '64' },
    port: { type: 'string', default: '18080' },
    'crawler-core': { type: 'string', default: '1' },
    'nginx-core': { type: 'string', default: '0' },
    site: { type: 'string' },
    /** Extra node flags for the crawler, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'node-args': { type: 'string', default: '' },
  },
});
const pages = Number(values.pages);
const root = join(import.meta.dirname, '..', '..');
const siteDir = values.site ?? join(tmpdir(), `superfilter-bench-site-${pages}`);
const work = mkdtempSync(join(tmpdir(), 'superfilter-bench-'));

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) if (existsSync(join(dir, cmd))) return join(dir, cmd);
  return null;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const nginx = which('nginx');
if (nginx === null) {
  console.error('nginx is not installed: apt-get update && apt-get install -y nginx-light');
  process.exit(1);
}
if (!existsSync(join(siteDir, 'index.html'))) {
  console.error(`generating ${pages} pages in ${siteDir} ...`);
  generateSite(siteDir, pages);
}
for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(work, d), { recursive: true });
const conf = readFileSync(join(import.meta.dirname, 'nginx.conf.template'), 'utf8')
  .replaceAll('@ROOT@', siteDir)
  .replaceAll('@PORT@', values.port)
  .replaceAll('@TMP@', work);
writeFileSync(join(work, 'nginx.conf'), conf);
const server: ChildProcess = spawn('taskset', ['-c', values['nginx-core'], nginx, '-c', join(work, 'nginx.conf'), '-p', work], { stdio: 'inherit' });
let code = 0;
try {
  await waitForPort(Number(values.port), 10_000);
  const stats = join(work, 'stats.json');
  const args = [
    '-c', values['crawler-core'], process.execPath, ...values['node-args'].split(' ').filter(Boolean), '--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'crawl', `http://127.0.0.1:${values.port}/`,
    '--store', values.store, '--jobdir', join(work, 'jobdir'), '-o', join(work, 'items.jsonl'), '--stats-json', stats,
    '--concurrency', values.concurrency, '--per-host', values.concurrency, '--no-progress', '--log-level', 'warn',
  ];
  const started = Date.now();
  execFileSync('taskset', args, { stdio: ['ignore', 'ignore', 'inherit'], cwd: root, env: { ...process.env, NODE_OPTIONS: process.env.NODE_OPTIONS ?? '' } });
  const wallMs = Date.now() - started;
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  const result = {
    bench: 'crawl',
    pages,
    store: values.store,
    concurrency: Number(values.concurrency),
    pagesFetched: s.pagesFetched,
    items: s.items,
    duplicatesFiltered: s.duplicatesFiltered,
    crawlSeconds: s.elapsedMs / 1000,
    wallSeconds: wallMs / 1000,
    pagesPerSecond: s.pagesPerSecond,
    peakRssMB: Math.round(s.peakRssBytes / 1024 / 1024),
  };
  console.log('| pages | store | fetched | crawl s | pages/s | peak RSS MB | dupes filtered |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| ${pages} | ${result.store} | ${result.pagesFetched} | ${result.crawlSeconds.toFixed(1)} | ${result.pagesPerSecond} | ${result.peakRssMB} | ${result.duplicatesFiltered} |`);
  console.log(JSON.stringify(result));
  if (result.pagesFetched < pages) {
    console.error(`only ${result.pagesFetched} of ${pages} pages fetched`);
    code = 1;
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
