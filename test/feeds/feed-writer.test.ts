import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, isSuperfilterError } from '../../src/errors.ts';
import { formatForPath } from '../../src/feeds/feed-format.ts';
import { FeedWriter } from '../../src/feeds/feed-writer.ts';
import { tempDir } from '../helpers/crawl-helpers.ts';

const tmp = tempDir('sf-feed-');
after(() => tmp.cleanup());

function put(feed: FeedWriter, items: Record<string, unknown>[]): void {
  feed.write(items, items.map((i) => JSON.stringify(i)));
}

describe('feeds', () => {
  it('picks the format from the extension', () => {
    assert.equal(formatForPath('a/items.CSV'), 'csv');
    assert.equal(formatForPath('items.json'), 'json');
    assert.equal(formatForPath('items.jsonl'), 'jsonl');
    assert.equal(formatForPath('items.ndjson'), 'jsonl');
  });

  it('writes JSON Lines and resumes at a checkpoint, cutting what came after it', () => {
    const path = join(tmp.dir, 'a.jsonl');
    const feed = FeedWriter.open(path);
    put(feed, [{ n: 1 }, { n: 2 }]);
    const cp = feed.flush();
    put(feed, [{ n: 3 }]);
    feed.close();
    assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n');
    const resumed = FeedWriter.open(path, { resumeAt: cp.offset });
    put(resumed, [{ n: 4 }]);
    resumed.close();
    assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n{"n":4}\n');
  });

  it('replaces an existing file when not resuming', () => {
    const path = join(tmp.dir, 'b.jsonl');
    writeFileSync(path, 'old content\n');
    const feed = FeedWriter.open(path);
    put(feed, [{ a: 1 }]);
    feed.close();
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n');
  });

  it('writes a valid JSON array, also after a resume that cuts the closing bracket', () => {
    const path = join(tmp.dir, 'c.json');
    const empty = FeedWriter.open(path);
    empty.close();
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), []);
    const feed = FeedWriter.open(path);
    put(feed, [{ a: 1 }, { a: 2 }]);
    const cp = feed.flush();
    feed.close();
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), [{ a: 1 }, { a: 2 }]);
    const resumed = FeedWriter.open(path, { resumeAt: cp.offset });
    put(resumed, [{ a: 3 }]);
    resumed.close();
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), [{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('writes CSV with the first item keys as columns, quoting as RFC 4180, and counts dropped fields', () => {
    const path = join(tmp.dir, 'd.csv');
    const feed = FeedWriter.open(path);
    put(feed, [{ url: 'http://x/', title: 'a, "quoted"\nline' }]);
    const cp = feed.flush();
    put(feed, [{ title: 't2', url: 'http://y/', extra: 1, nested: { k: [1] } }]);
    assert.equal(feed.droppedFields, 2);
    feed.close();
    assert.equal(readFileSync(path, 'utf8'), 'url,title\r\nhttp://x/,"a, ""quoted""\nline"\r\nhttp://y/,t2\r\n');
    const resumed = FeedWriter.open(path, { resumeAt: cp.offset });
    put(resumed, [{ title: 'z', url: 'http://z/' }]);
    resumed.close();
    assert.equal(readFileSync(path, 'utf8'), 'url,title\r\nhttp://x/,"a, ""quoted""\nline"\r\nhttp://z/,z\r\n');
  });

  it('refuses a checkpoint past the end of the file', () => {
    const path = join(tmp.dir, 'e.jsonl');
    writeFileSync(path, '{"a":1}\n');
    assert.throws(
      () => FeedWriter.open(path, { resumeAt: 100 }),
      (e) => isSuperfilterError(e, ErrorCodes.FEED_IO),
    );
  });

  it('rolls back to an offset', () => {
    const path = join(tmp.dir, 'f.jsonl');
    const feed = FeedWriter.open(path);
    put(feed, [{ a: 1 }]);
    const cp = feed.flush();
    put(feed, [{ a: 2 }]);
    feed.flush();
    feed.rollback(cp.offset);
    put(feed, [{ a: 3 }]);
    feed.close();
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"a":3}\n');
  });
});
