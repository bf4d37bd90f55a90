#!/usr/bin/env node
// Regenerates the bundled demo site (a small bookshop) in this folder: `node demo-site/generate.mjs`.
// Deterministic: the same files every run. The site holds what a crawler must cope with:
// duplicate links, #fragments, one query in two orders, relative links, an external link,
// a redirect (listed in _redirects, served by `superfilter demo`), and robots.txt with a
// disallowed path.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const CATEGORIES = ['travel', 'mystery', 'poetry', 'history', 'science', 'fiction', 'music', 'cooking'];
const BOOKS = 96;
const PER_PAGE = 12;
const WORDS = 'amber river quiet lantern north garden silver winter harbor paper orchard violet stone echo meadow salt'.split(' ');

let seed = 7;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (list) => list[Math.floor(rand() * list.length)];
const title = () => `The ${pick(WORDS)} ${pick(WORDS)}`.replace(/\b\w/g, (c) => c.toUpperCase());

const books = Array.from({ length: BOOKS }, (_, i) => ({
  id: i + 1,
  title: `${title()} ${i + 1}`,
  category: CATEGORIES[i % CATEGORIES.length],
  price: (5 + rand() * 45).toFixed(2),
  rating: 1 + Math.floor(rand() * 5),
}));

const layout = (name, body, depth) => {
  const up = '../'.repeat(depth);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} | Demo Books</title></head>
<body>
<nav><a href="${up}index.html">Home</a> | <a href="${up}catalogue/page-1.html">Catalogue</a> | <a href="${up}about.html#team">About</a> | <a href="https://example.com/">example.com (external)</a></nav>
<main>
${body}
</main>
<footer><a href="${up}index.html#top">back to top</a></footer>
</body></html>
`;
};

const files = new Map();
const pages = Math.ceil(BOOKS / PER_PAGE);
files.set(
  'index.html',
  layout(
    'Welcome',
    `<h1>Demo Books</h1>
<p>A small bookshop for trying superfilter. Browse the <a href="catalogue/page-1.html">catalogue</a>
(<a href="catalogue/page-1.html">again</a>, <a href="/catalogue/page-1.html#list">with a fragment</a>)
or a category:</p>
<ul>${CATEGORIES.map((c) => `<li><a href="category/${c}.html">${c}</a></li>`).join('')}</ul>
<p><a href="search.html?q=river&amp;sort=price">search "river" by price</a> ·
<a href="search.html?sort=price&amp;q=river">the same search, parameters reordered</a></p>
<p><a href="old-catalogue.html">the old catalogue (moved)</a> · <a href="admin/index.html">staff area</a></p>`,
    0,
  ),
);
files.set('about.html', layout('About', '<h1 id="team">About us</h1><p>We sell books that do not exist.</p>', 0));
files.set('search.html', layout('Search', '<h1>Search</h1><p>Results are on the <a href="catalogue/page-1.html">catalogue</a>.</p>', 0));
files.set('admin/index.html', layout('Staff', '<h1>Staff only</h1><a href="secret.html">secret</a>', 1));
files.set('admin/secret.html', layout('Secret', '<h1>Crawlers never see this</h1>', 1));
for (let p = 1; p <= pages; p++) {
  const list = books.slice((p - 1) * PER_PAGE, p * PER_PAGE);
  const nav = [p > 1 ? `<a href="page-${p - 1}.html">previous</a>` : '', p < pages ? `<a href="page-${p + 1}.html">next</a>` : '']
    .filter(Boolean)
    .join(' | ');
  files.set(
    `catalogue/page-${p}.html`,
    layout(
      `Catalogue page ${p}`,
      `<h1>Catalogue, page ${p} of ${pages}</h1>
<ol id="list">${list.map((b) => `<li><a href="../books/book-${b.id}.html">${b.title}</a> £${b.price}</li>`).join('\n')}</ol>
<p>${nav}</p>`,
      1,
    ),
  );
}
for (const c of CATEGORIES) {
  const list = books.filter((b) => b.category === c);
  files.set(
    `category/${c}.html`,
    layout(`Category ${c}`, `<h1>${c}</h1><ul>${list.map((b) => `<li><a href="/books/book-${b.id}.html#top">${b.title}</a></li>`).join('\n')}</ul>`, 1),
  );
}
for (const b of books) {
  const related = [books[(b.id * 7) % BOOKS], books[(b.id * 13) % BOOKS]];
  files.set(
    `books/book-${b.id}.html`,
    layout(
      b.title,
      `<article><h1>${b.title}</h1>
<p class="price">£${b.price}</p><p class="rating">${'★'.repeat(b.rating)}</p>
<p>Category: <a href="../category/${b.category}.html">${b.category}</a></p>
<p>Related: ${related.map((r) => `<a href="book-${r.id}.html">${r.title}</a>`).join(', ')}</p>
<p><a href="#reviews">reviews</a></p></article>`,
      1,
    ),
  );
}
files.set('robots.txt', 'User-agent: *\nDisallow: /admin/\n');
files.set('_redirects', '# path target status (served by `superfilter demo`)\n/old-catalogue.html /catalogue/page-1.html 301\n');

for (const dir of ['catalogue', 'category', 'books', 'admin']) rmSync(join(root, dir), { recursive: true, force: true });
for (const [path, text] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
console.log(`wrote ${files.size} files to ${root}`);
