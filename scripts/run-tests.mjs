#!/usr/bin/env node
// Runs every test file under test/ with node's built-in runner (TypeScript through tsx).
// Node 20's runner does not glob .ts files itself, so the list is built here.
// Files named `*.serial.test.ts` measure time at a server running in the test process (for
// example politeness across workers): they run after the others, one file at a time, so that a
// neighbouring test file cannot starve the process that takes the timings.
// The closing line adds up both phases. Usage: node scripts/run-tests.mjs [substring filter ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('test', [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.SUPERFILTER_TEST_CONCURRENCY ?? '2';
// A test that hangs must fail the run, not stall it: no single test may take 5 minutes.
const timeoutMs = process.env.SUPERFILTER_TEST_TIMEOUT_MS ?? '300000';
const tapDir = mkdtempSync(join(tmpdir(), 'superfilter-tests-'));

/** Runs one phase; returns its exit status and its TAP totals. */
function phase(name, list, phaseConcurrency) {
  if (list.length === 0) return { status: 0, totals: {} };
  const tap = join(tapDir, `${name}.tap`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${phaseConcurrency}`,
      `--test-timeout=${timeoutMs}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...list,
    ],
    { stdio: 'inherit' },
  );
  const totals = {};
  try {
    for (const m of readFileSync(tap, 'utf8').matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) totals[m[1]] = Number(m[2]);
  } catch {}
  return { status: result.status ?? 1, totals };
}

const parallel = phase('parallel', files.filter((f) => !f.endsWith('.serial.test.ts')), concurrency);
const serial = phase('serial', files.filter((f) => f.endsWith('.serial.test.ts')), '1');
rmSync(tapDir, { recursive: true, force: true });
const sum = (key) => (parallel.totals[key] ?? 0) + (serial.totals[key] ?? 0);
console.log(
  `\nall tests: ${sum('tests')} tests, ${sum('pass')} passed, ${sum('fail')} failed, ${sum('cancelled')} cancelled, ${sum('skipped')} skipped` +
    ` (${files.length} files; ${files.filter((f) => f.endsWith('.serial.test.ts')).length} run alone at the end)`,
);
process.exit(parallel.status !== 0 ? parallel.status : serial.status);
