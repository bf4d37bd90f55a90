/**
 * Throughput of the streaming link extractor on generated pages shaped like the crawl
 * benchmark site (10–20 KB of HTML, about 45 links in mixed relative and absolute forms).
 *
 * Usage: taskset -c 0 node --import tsx bench/extract-links.ts [pages=200] [seconds=3]
 * Prints a table and a final JSON line. Cheerio is measured on the same pages for contrast.
 */
import { load } from 'cheerio';
import { extractLinks } from '../src/url/extract-links.ts';
import { parseHrefBase, resolveHref } from '../src/url/resolve-href.ts';

const pageCount = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 3);

let seed = 42;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
function words(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + WORDS[rand(WORDS.length)];
  return s;
}

function href(page: number): string {
  const target = rand(10_000);
  switch (rand(8)) {
    case 0:
      return `/p/${target}.html`;
    case 1:
      return `../p/${target}.html?ref=${page}&amp;x=1`;
    case 2:
      return `${target}.html#section-${rand(5)}`;
    case 3:
      return `https://bench.local/p/${target}.html`;
    case 4:
      return `//bench.local/p/${target}.html?b=2&amp;a=1`;
    case 5:
      return `?page=${rand(50)}`;
    case 6:
      return rand(4) === 0 ? 'mailto:someone@bench.local' : `https://external${rand(20)}.example.org/x/${target}`;
    default:
      return `/cat/${rand(30)}/item-${target}.html`;
  }
}

function page(n: number): string {
  const parts: string[] = [
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    `<title>Page ${n} &mdash; ${words(4)}</title>\n`,
    '<link rel="stylesheet" href="/static/site.css">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    '<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} if (a < b && c > d) { x = "<a href=\'/nope\'>"; }</script>\n',
    '<style>body { font: 14px/1.4 sans-serif } a > b { color: red }</style>\n</head>\n<body class="page">\n',
    '<!-- navigation -->\n<nav class="top"><ul>\n',
  ];
  for (let i = 0; i < 8; i++) parts.push(`<li class="nav-item"><a class="nav-link" href="/cat/${i}/">${words(2)}</a></li>\n`);
  parts.push('</ul></nav>\n<main id="content"><article>\n');
  const links = 35 + rand(10);
  const target = 10_000 + rand(10_000);
  let size = parts.join('').length;
  for (let i = 0; size < target || i < links; i++) {
    let p = `<p class="para" data-index="${i}">${words(12 + rand(20))}`;
    if (i < links) p += ` <a href="${href(n)}" title="${words(3)}">${words(3)}</a> ${words(5)}`;
    if (i % 7 === 0) p += ` <img src="/img/${rand(100)}.png" alt="${words(2)}" width=120 height=80>`;
    p += '</p>\n';
    parts.push(p);
    size += p.length;
  }
  parts.push('</article></main>\n<footer><a href="/about">About</a> <a href="/contact">Contact</a></footer>\n</body>\n</html>\n');
  return parts.join('');
}

const pages = Array.from({ length: pageCount }, (_, i) => page(i));
const totalBytes = pages.reduce((a, p) => a + Buffer.byteLength(p), 0);
const urls = pages.map((_, i) => `https://bench.local/cat/${i % 30}/item-${i}.html`);

function measure(name: string, fn: (i: number) => number, budgetSeconds: number): { name: string; mbPerSec: number; pagesPerSec: number; linksPerPage: number } {
  for (let i = 0; i < Math.min(pages.length, 50); i++) fn(i); // warm up
  let bytes = 0;
  let count = 0;
  let links = 0;
  const start = performance.now();
  const deadline = start + budgetSeconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < pages.length; i++) {
      links += fn(i);
      bytes += pages[i].length;
      count++;
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  return { name, mbPerSec: bytes / 1e6 / elapsed, pagesPerSec: count / elapsed, linksPerPage: links / count };
}

const results = [
  measure('extractLinks', (i) => extractLinks(pages[i], urls[i]).length, seconds),
  measure('cheerio load + a[href] + new URL', (i) => {
    const $ = load(pages[i]);
    const out = new Set<string>();
    $('a[href], area[href]').each((_, el) => {
      try {
        const u = new URL($(el).attr('href') ?? '', urls[i]);
        if (u.protocol === 'http:' || u.protocol === 'https:') {
          u.hash = '';
          out.add(u.href);
        }
      } catch {}
    });
    return out.size;
  }, Math.max(1, seconds / 3)),
];

// The resolver alone: fast path against the WHATWG parser on the same hrefs.
const hrefs: string[] = [];
for (let i = 0; i < 2000; i++) hrefs.push(href(i).replaceAll('&amp;', '&'));
const base = parseHrefBase('https://bench.local/cat/3/item-7.html')!;
function timeResolver(fn: (h: string) => unknown): number {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 1000) {
    for (const h of hrefs) fn(h);
    n += hrefs.length;
  }
  return n / ((performance.now() - start) / 1000);
}
const fastPerSec = timeResolver((h) => resolveHref(h, base));
const urlPerSec = timeResolver((h) => {
  try {
    return new URL(h, base.href).href;
  } catch {
    return null;
  }
});

console.log(`pages: ${pages.length}, average ${(totalBytes / pages.length / 1024).toFixed(1)} KiB`);
console.log('| method | MB/s | pages/s | links/page |');
console.log('|---|---:|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.mbPerSec.toFixed(1)} | ${r.pagesPerSec.toFixed(0)} | ${r.linksPerPage.toFixed(1)} |`);
console.log(`| resolveHref (fast path + URL fallback) | | ${(fastPerSec / 1e6).toFixed(2)} M hrefs/s | |`);
console.log(`| new URL(href, base) | | ${(urlPerSec / 1e6).toFixed(2)} M hrefs/s | |`);
console.log(
  JSON.stringify({
    bench: 'extract-links',
    avgPageBytes: Math.round(totalBytes / pages.length),
    extractMBps: Number(results[0].mbPerSec.toFixed(1)),
    extractPagesPerSec: Math.round(results[0].pagesPerSec),
    cheerioMBps: Number(results[1].mbPerSec.toFixed(1)),
    linksPerPage: Number(results[0].linksPerPage.toFixed(1)),
    resolveFastPerSec: Math.round(fastPerSec),
    resolveUrlPerSec: Math.round(urlPerSec),
  }),
);
