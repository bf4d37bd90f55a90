/**
 * Micro-benchmark of the hot path: URLs per second for canonicalizeUrl, safeUrl + canonicalize
 * (the fingerprinted URL), and fingerprint (bytes), with the one-pass fast path for common URLs
 * and (rows marked "exact path") without it. Usage:
 *   node --import tsx bench/fingerprint.ts [--count N] [--rounds R]
 * Prints a table, then one JSON line.
 */
import { fingerprint, fingerprintInto, fingerprintUrl, setFingerprintFastPath } from '../src/fingerprint/fingerprint.ts';
import { canonicalizeUrl } from '../src/url/canonicalize-url.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const count = arg('--count', 200_000);
const rounds = arg('--rounds', 3);

// A deterministic mix resembling crawled links: a few hosts, 1-4 path segments, 0-3 query args,
// some fragments, some percent-escapes and a few non-ASCII paths.
let seed = 42;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const hosts = ['www.example.com', 'shop.example.org', 'News.Example.net:8080', 'blog.example.co.uk', 'api.example.io'];
const words = ['products', 'item', 'category', 'page', 'search', 'a%20b', 'r%c3%a9sum%c3%a9', 'view', 'list', 'café'];
const urls: string[] = [];
for (let i = 0; i < count; i++) {
  let u = `${rand(4) === 0 ? 'http' : 'https'}://${hosts[rand(hosts.length)]}`;
  const segs = 1 + rand(4);
  for (let s = 0; s < segs; s++) u += '/' + words[rand(words.length)] + (rand(3) === 0 ? String(rand(100000)) : '');
  const args = rand(4);
  for (let a = 0; a < args; a++) u += (a === 0 ? '?' : '&') + String.fromCharCode(97 + rand(8)) + '=' + rand(1000);
  if (rand(10) === 0) u += '#section' + rand(5);
  urls.push(u);
}

function measure(name: string, fn: (u: string) => unknown): { name: string; perSecond: number } {
  let best = 0;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < urls.length; i++) {
      const out = fn(urls[i]) as { length: number };
      sink += out.length;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, urls.length / seconds);
  }
  if (sink === 0) console.error('unexpected');
  return { name, perSecond: Math.round(best) };
}

const results = [
  measure('canonicalizeUrl', (u) => canonicalizeUrl(u)),
  measure('fingerprintUrl (safe + canonical)', (u) => fingerprintUrl(u)),
  measure('fingerprint (20 bytes)', (u) => fingerprint({ url: u })),
];
const slab = new Uint8Array(20 * 1024);
let slot = 0;
const intoSlab = (u: string) => {
  fingerprintInto({ url: u }, slab, (slot = (slot + 1) & 1023) * 20);
  return u;
};
results.push(measure('fingerprintInto (batch buffer)', intoSlab));
setFingerprintFastPath(false);
results.push(measure('fingerprintUrl, exact path', (u) => fingerprintUrl(u)));
results.push(measure('fingerprintInto, exact path', intoSlab));
setFingerprintFastPath(true);
const seen = new Set<string>();
results.push(
  measure('fingerprint + JS Set test-and-set', (u) => {
    const fp = fingerprint({ url: u });
    const key = Buffer.from(fp.buffer, fp.byteOffset, 16).toString('latin1');
    const fresh = !seen.has(key);
    if (fresh) seen.add(key);
    return fp;
  }),
);
console.log(`URLs: ${count}, best of ${rounds} rounds`);
for (const r of results) console.log(`${r.name.padEnd(40)} ${r.perSecond.toLocaleString('en-US').padStart(12)} URLs/s`);
console.log(JSON.stringify({ bench: 'fingerprint', count, rounds, results }));
