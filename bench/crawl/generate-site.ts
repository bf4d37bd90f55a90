/**
 * Generates the crawl benchmark's static site: `pages` HTML files of 10-20 KB with about 45
 * links each (relative and absolute forms, fragments, repeats), every page reachable from
 * index.html. Deterministic for a given page count.
 *
 * Usage: node --import tsx bench/crawl/generate-site.ts <dir> [pages=10000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WORDS = 'crawl filter seen frontier lease commit host delay robots feed item spider parse link scope depth page queue store fleet'.split(' ');

/** Writes the site into `dir` (pages under p/<bucket>/<n>.html, 1,000 per folder). Returns the bytes written. */
export function generateSite(dir: string, pages: number): number {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pathOf = (n: number) => `/p/${Math.floor(n / 1000)}/${n}.html`;
  let bytes = 0;
  for (let b = 0; b * 1000 < pages; b++) mkdirSync(join(dir, 'p', String(b)), { recursive: true });
  for (let n = 0; n < pages; n++) {
    const links: string[] = [];
    // A chain guarantees reachability; the rest are random, some repeated or with fragments.
    if (n + 1 < pages) links.push(`<a href="${pathOf(n + 1)}">next</a>`);
    for (let k = 0; k < 44; k++) {
      const t = Math.floor(rand() * pages);
      const form = k % 4;
      const href = form === 0 ? pathOf(t) : form === 1 ? `../${Math.floor(t / 1000)}/${t}.html` : form === 2 ? `${pathOf(t)}#s${k}` : pathOf(t);
      links.push(`<li><a href="${href}">${WORDS[t % WORDS.length]} ${t}</a></li>`);
    }
    let text = '';
    const target = 10_000 + Math.floor(rand() * 10_000) - 45 * 40;
    while (text.length < target) {
      const w = [];
      for (let i = 0; i < 12; i++) w.push(WORDS[Math.floor(rand() * WORDS.length)]);
      text += `<p>${w.join(' ')}.</p>\n`;
    }
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Page ${n}</title></head><body><h1>Page ${n}</h1>\n${text}<ul>\n${links.join('\n')}\n</ul></body></html>\n`;
    writeFileSync(join(dir, pathOf(n).slice(1)), html);
    bytes += html.length;
  }
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><title>Bench</title></head><body><a href="${pathOf(0)}">start</a></body></html>\n`);
  writeFileSync(join(dir, 'robots.txt'), 'User-agent: *\nDisallow: /private/\n');
  return bytes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: generate-site.ts <dir> [pages]');
    process.exit(2);
  }
  const pages = Number(process.argv[3] ?? 10_000);
  const bytes = generateSite(dir, pages);
  console.log(`${pages} pages, ${(bytes / pages / 1024).toFixed(1)} KiB average, in ${dir}`);
}
