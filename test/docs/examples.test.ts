/**
 * The examples the README and docs point users at must run and print what they promise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { cli } from '../helpers/cli-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('runnable examples', () => {
  it('examples/fingerprints-and-seen.ts prints the README values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-example-'));
    try {
      const run = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'examples', 'fingerprints-and-seen.ts'), dir], {
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), [
        'http://www.xn--bcher-kva.de/?q=b%C3%BCcher',
        'c03485502caa9106f874b4bd2ad9e98a3a6dc36c',
        '[true,false,true]',
        '[true,false,true]',
        '[false,false,false] 2',
        '2',
        'SF_URL_NO_SCHEME',
      ]);
      const exported = readFileSync(join(dir, 'requests.seen'), 'utf8').trim().split('\n');
      assert.equal(exported.length, 2);
      assert.ok(exported.every((line) => /^[0-9a-f]{40}$/.test(line)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('examples/books-spider.ts crawls the demo bookshop through the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-books-'));
    try {
      const out = join(dir, 'books.jsonl');
      const { done } = cli(['crawl', join(ROOT, 'examples', 'books-spider.ts'), '-o', out, '--no-progress'], {}, { cwd: dir });
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      const items = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      assert.ok(items.length > 20, `only ${items.length} books`);
      const urls = new Set(items.map((item) => item.url));
      assert.equal(urls.size, items.length, 'a book was written twice');
      assert.ok(items.every((item) => typeof item.title === 'string' && item.title.length > 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
