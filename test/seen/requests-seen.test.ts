import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, isSuperfilterError } from '../../src/errors.ts';
import { JobdirSeenFilter } from '../../src/seen/jobdir-seen-filter.ts';
import { MemorySeenFilter } from '../../src/seen/memory-seen-filter.ts';
import { exportRequestsSeen, importRequestsSeen, parseRequestsSeenLine } from '../../src/seen/requests-seen.ts';
import { fpOf, hex, randomFps, tempDir } from './helpers.ts';

const temp = tempDir('sf-rs-');
after(temp.cleanup);

describe('requests.seen import and export', () => {
  it('round-trips a Scrapy file exactly through a job directory', async () => {
    const fps = randomFps(25_000);
    const lines = fps.map(hex);
    lines.push(lines[7]); // Scrapy never writes repeats, but an import must not count them twice
    const input = join(temp.dir, 'requests.seen');
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const dir = join(temp.dir, 'job');
    const filter = JobdirSeenFilter.open(dir);
    const result = await importRequestsSeen(input, filter, { batchSize: 1_000 });
    assert.deepEqual(result, { lines: 25_001, fingerprints: 25_001, added: 25_000 });
    await filter.close();
    const reopened = JobdirSeenFilter.open(dir);
    const output = join(temp.dir, 'exported.seen');
    assert.equal(exportRequestsSeen(reopened, output), 25_000);
    await reopened.close();
    const back = fs.readFileSync(output, 'utf8');
    assert.equal(back, fps.map(hex).join('\n') + '\n');
  });

  it('tolerates blank lines, CRLF, blanks around, upper-case hex and a missing final newline', async () => {
    const a = fpOf('a');
    const b = fpOf('b');
    const input = join(temp.dir, 'crlf.seen');
    fs.writeFileSync(input, `\r\n${hex(a).toUpperCase()}\r\n\r\n  ${hex(b)} \t\r\n\n${hex(a)}`);
    const filter = new MemorySeenFilter();
    assert.deepEqual(await importRequestsSeen(input, filter), { lines: 6, fingerprints: 3, added: 2 });
    assert.equal(filter.has(a) && filter.has(b), true);
  });

  it('rejects a bad line with its number and adds nothing', async () => {
    const input = join(temp.dir, 'bad.seen');
    fs.writeFileSync(input, `${hex(fpOf('x'))}\n\n${hex(fpOf('y')).slice(0, 39)}g\n`);
    const filter = new MemorySeenFilter();
    await assert.rejects(importRequestsSeen(input, filter), (e) => {
      assert.ok(isSuperfilterError(e, ErrorCodes.FINGERPRINT_INVALID));
      assert.match((e as Error).message, /line 3/);
      return true;
    });
    assert.equal(filter.size, 0);
    assert.throws(() => parseRequestsSeenLine(Buffer.from('abc'), 9), /line 9: expected 40 hex digits/);
    assert.equal(parseRequestsSeenLine(Buffer.from(' \r'), 1), null);
  });

  it('reports a missing file as a store error', async () => {
    await assert.rejects(importRequestsSeen(join(temp.dir, 'nope'), new MemorySeenFilter()), (e) => isSuperfilterError(e, ErrorCodes.STORE_IO));
  });
});
