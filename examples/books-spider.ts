/**
 * An example spider for the bundled demo bookshop (demo-site/): it walks the catalogue pages,
 * follows each book with the label `book`, and writes one item per book.
 *
 *   npm run superfilter -- crawl ./examples/books-spider.ts -o books.jsonl
 *
 * So that it runs with no setup, the spider serves demo-site/ itself on a free loopback port
 * (in `start()`) and stops the server in `close()`. A spider for a real site would simply give
 * `startUrls: ['https://…']`. In your own project, import from 'superfilter' instead.
 */
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineSpider } from '../src/spider/define-spider.ts';

const SITE = new URL('../demo-site/', import.meta.url);
let server: Server | undefined;

/** Serves demo-site/ on 127.0.0.1 and returns its origin. */
async function serveDemoSite(): Promise<string> {
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '/index.html');
    const file = new URL(`.${path}`, SITE);
    if (!file.href.startsWith(SITE.href) || /\/[._]/.test(path)) return res.writeHead(404).end();
    try {
      const body = await readFile(file);
      const type = path.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
      res.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not found</title>');
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export default defineSpider({
  name: 'books',
  // A fresh port every run, so nothing to resume: keep the crawl in memory.
  settings: { store: 'memory', concurrency: 8 },

  async *start() {
    const origin = await serveDemoSite();
    yield { url: `${origin}/catalogue/page-1.html`, label: 'catalogue' };
  },

  // Requests without a label land here; this spider labels all of its own.
  parse(response, ctx) {
    ctx.log.warn(`unexpected unlabelled page ${response.url}`);
  },

  handlers: {
    // A catalogue page: every book on it, and the next catalogue page.
    catalogue(_response, ctx) {
      return [
        ...ctx.followLinks({ include: ['**/books/book-*.html'] }, { label: 'book' }),
        ...ctx.followLinks({ include: ['**/catalogue/page-*.html'] }, { label: 'catalogue', priority: 1 }),
      ];
    },

    // A book page: one item, read with CSS selectors (cheerio is loaded on this first use).
    async *book(response) {
      const $ = await response.$();
      yield {
        url: response.url,
        title: $('article h1').text().trim(),
        price: Number($('.price').text().replace(/[^0-9.]/g, '')),
        rating: ($('.rating').text().match(/★/g) ?? []).length,
        category: $('a[href*="category/"]').first().text().trim() || null,
      };
    },
  },

  pipelines: [
    // Drop books without a price; round what is left to pence.
    (item) => (Number.isFinite(item.price) && (item.price as number) > 0 ? { ...item, price: Math.round((item.price as number) * 100) / 100 } : null),
  ],

  close() {
    server?.close();
  },
});
