import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cli } from '../helpers/cli-process.ts';
import { readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('superfilter demo', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('serves the bundled site, crawls it and says where the items went', async () => {
    const out = join(tmp.dir, 'demo.jsonl');
    // Its own job directory: a demo run elsewhere in this checkout must not share .superfilter/demo/jobdir.
    const { code, stderr } = await cli(['demo', '-o', out, '--jobdir', join(tmp.dir, 'jobdir'), '--no-progress']).done;
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`items written to ${reEscape(out)}`));
    const items = readJsonLines(out);
    assert.ok(items.length > 100, `${items.length} items`);
    const urls = items.map((i) => String(i.url));
    assert.equal(new Set(urls).size, urls.length);
    assert.ok(!urls.some((u) => u.includes('/admin/')), 'robots.txt disallows /admin/');
    assert.ok(urls.every((u) => u.startsWith('http://127.0.0.1:')), 'the external link is not followed');
  });

  it('without -o writes under .superfilter/demo/ and leaves the working directory clean', async () => {
    const cwd = join(tmp.dir, 'checkout');
    mkdirSync(cwd);
    const { code, stderr } = await cli(['demo', '--no-progress', '--store', 'memory'], {}, { cwd }).done;
    assert.equal(code, 0, stderr);
    const feed = join(cwd, '.superfilter', 'demo', 'demo-items.jsonl');
    assert.ok(existsSync(feed), stderr);
    assert.match(stderr, new RegExp(`items written to ${reEscape(feed)}`));
    assert.ok(readJsonLines(feed).length > 100);
    assert.deepEqual(readdirSync(cwd), ['.superfilter']);
  });
});
