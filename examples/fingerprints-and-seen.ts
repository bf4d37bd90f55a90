/**
 * The README's fingerprint and seen-set examples, runnable:
 *
 *   node --import tsx examples/fingerprints-and-seen.ts [dir]
 *
 * In your own project, import from 'superfilter' instead of '../src/index.ts'.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalizeUrl,
  exportRequestsSeen,
  fingerprint,
  fingerprintHex,
  isSuperfilterError,
  JobdirSeenFilter,
  MemorySeenFilter,
} from '../src/index.ts';

console.log(canonicalizeUrl('http://www.bücher.de?q=bücher'));
console.log(fingerprintHex({ url: 'https://example.org' }));

const urls = ['https://a.example/', 'https://a.example/?', 'https://b.example/'];
const fps = urls.map((url) => fingerprint({ url }));

const seen = new MemorySeenFilter();
console.log(JSON.stringify(await seen.addMany(fps)));

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'superfilter-example-'));
const durable = JobdirSeenFilter.open(dir);
console.log(JSON.stringify(await durable.addMany(fps)));
await durable.close();
// Reopened, the same directory still knows all of them.
const again = JobdirSeenFilter.open(dir);
console.log(JSON.stringify(await again.addMany(fps)), again.size);
// Scrapy's requests.seen: one 40-hex fingerprint per line, exact from the log.
console.log(exportRequestsSeen(again, join(dir, 'requests.seen')));
await again.close();

try {
  fingerprintHex({ url: 'example.com/no-scheme' });
} catch (e) {
  if (isSuperfilterError(e, 'SF_URL_NO_SCHEME')) console.log('SF_URL_NO_SCHEME');
}
