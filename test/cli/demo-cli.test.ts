import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cli, } from '../helpers/cli-process.ts';
import { readJsonLines, tempDir } from '../helpers/crawl-helpers.ts';

describe('superfilter demo', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  it('serves the bundled site, crawls it and says where the items went', async () => {
    const out = join(tmp.dir, 'demo.jsonl');
    const { code, stderr } = await cli(['demo', '-o', out, '--no-progress']).done;
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`items written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const items = readJsonLines(out);
    assert.ok(items.length > 100, `${items.length} items`);
    const urls = items.map((i) => String(i.url));
    assert.equal(new Set(urls).size, urls.length);
    assert.ok(!urls.some((u) => u.includes('/admin/')), 'robots.txt disallows /admin/');
    assert.ok(urls.every((u) => u.startsWith('http://127.0.0.1:')), 'the external link is not followed');
  });
});
