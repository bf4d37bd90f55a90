/**
 * A streaming link extractor: one forward pass over HTML text, no DOM, no regular expressions
 * on the hot path.
 *
 * Owns the tokenizing that link extraction needs — tags and their attributes (double-, single-
 * and un-quoted), comments, bogus comments (`<!DOCTYPE>`, `<?xml>`), and the raw-text elements
 * whose content is not markup (`<script>`, `<style>`, `<title>`, `<textarea>`, …) — and the
 * collection of `<a href>`, `<area href>` and optionally `<link rel=… href>` in document order.
 *
 * Invariants: the result holds only absolute http(s) URLs, each once, in order of first
 * appearance, at most `maxLinks`; hrefs are entity-decoded and resolved against the first
 * `<base href>` (wherever it stands, as browsers do) or else the page URL; a tag cut off by the
 * end of input is dropped, as the HTML tokenizer does. Bad input never throws.
 */
import { decodeHtmlEntities } from './html-entities.ts';
import { type HrefBase, parseHrefBase, resolveHref } from './resolve-href.ts';

/** Options of {@link extractLinks} and {@link scanHtml}. */
export interface ExtractLinksOptions {
  /** Most links returned; extraction stops once reached. Default 1000 (config `maxLinksPerPage`). */
  maxLinks?: number;
  /** Keep `#fragment` parts; by default they are cut (they name the same document). */
  keepFragments?: boolean;
  /** `<link rel>` tokens whose href is also a link, for example `['next', 'prev']`. Default none. */
  linkRels?: readonly string[];
  /** Skip `<a>` / `<area>` whose `rel` holds `nofollow`. Default false. */
  skipNofollow?: boolean;
}

/** What one pass over a page finds. */
export interface HtmlScan {
  links: string[];
  /** Text of the first `<title>`, entity-decoded and whitespace-collapsed; null when absent. */
  title: string | null;
}

const TAG_OTHER = 0;
const TAG_A = 1;
const TAG_LINK = 2;
const TAG_BASE = 3;
const TAG_RAW = 4;
const TAG_TITLE = 5;
const TAG_PLAINTEXT = 6;

/** Elements whose content the tokenizer reads as text up to their end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes']);

// Attribute values captured by the last scanTag call (the scan is synchronous, so one set suffices).
let capturedHref: string | null = null;
let capturedRel: string | null = null;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
}

function isAsciiAlpha(c: number): boolean {
  const l = c | 32;
  return l >= 97 && l <= 122;
}

/** True when s[from, from + word.length) equals the lower-case `word`, ignoring ASCII case. */
function matchesLower(s: string, from: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if ((s.charCodeAt(from + k) | 32) !== word.charCodeAt(k)) return false;
  }
  return true;
}

function classify(html: string, start: number, end: number): number {
  const n = end - start;
  if (n === 1) return (html.charCodeAt(start) | 32) === 97 ? TAG_A : TAG_OTHER;
  if (n === 4) {
    if (matchesLower(html, start, 'area')) return TAG_A;
    if (matchesLower(html, start, 'link')) return TAG_LINK;
    if (matchesLower(html, start, 'base')) return TAG_BASE;
    return TAG_OTHER;
  }
  if (n === 5 && matchesLower(html, start, 'title')) return TAG_TITLE;
  if (n === 9 && matchesLower(html, start, 'plaintext')) return TAG_PLAINTEXT;
  if (n < 3 || n > 8) return TAG_OTHER;
  const first = html.charCodeAt(start) | 32;
  // Cheap first-letter filter before building the lower-case name.
  if (first !== 115 && first !== 116 && first !== 120 && first !== 105 && first !== 110) return TAG_OTHER;
  return RAW_TEXT.has(html.slice(start, end).toLowerCase()) ? TAG_RAW : TAG_OTHER;
}

/**
 * Reads the attributes of a tag from `j` (just past its name) to its closing `>`. Returns the
 * index of that `>`, or -1 when the input ends first. With `capture`, the first `href` and
 * `rel` values are left in capturedHref / capturedRel.
 */
function scanTag(html: string, j: number, capture: boolean): number {
  const len = html.length;
  if (capture) capturedHref = capturedRel = null;
  for (;;) {
    let c = 0;
    while (j < len && (isSpace((c = html.charCodeAt(j))) || c === 47)) j++;
    if (j >= len) return -1;
    if (c === 62) return j;
    const nameStart = j;
    j++; // the first character belongs to the name even when it is `=`
    while (j < len) {
      c = html.charCodeAt(j);
      if (isSpace(c) || c === 47 || c === 62 || c === 61) break;
      j++;
    }
    const nameEnd = j;
    while (j < len && isSpace((c = html.charCodeAt(j)))) j++;
    if (j >= len) return -1;
    if (c !== 61) continue;
    j++;
    while (j < len && isSpace((c = html.charCodeAt(j)))) j++;
    if (j >= len) return -1;
    let valueStart: number;
    let valueEnd: number;
    if (c === 34 || c === 39) {
      valueStart = j + 1;
      valueEnd = html.indexOf(c === 34 ? '"' : "'", valueStart);
      if (valueEnd < 0) return -1;
      j = valueEnd + 1;
    } else if (c === 62) {
      return j;
    } else {
      valueStart = j;
      while (j < len) {
        c = html.charCodeAt(j);
        if (isSpace(c) || c === 62) break;
        j++;
      }
      valueEnd = j;
    }
    if (capture) {
      const n = nameEnd - nameStart;
      if (n === 4 && capturedHref === null && matchesLower(html, nameStart, 'href')) {
        capturedHref = html.slice(valueStart, valueEnd);
      } else if (n === 3 && capturedRel === null && matchesLower(html, nameStart, 'rel')) {
        capturedRel = html.slice(valueStart, valueEnd);
      }
    }
  }
}

/** Index of the `</name` that closes a raw-text element opened before `from`, or -1. */
function findEndTag(html: string, from: number, name: string): number {
  for (;;) {
    const k = html.indexOf('</', from);
    if (k < 0) return -1;
    const after = k + 2 + name.length;
    if (matchesLower(html, k + 2, name)) {
      const c = html.charCodeAt(after);
      if (Number.isNaN(c) || isSpace(c) || c === 47 || c === 62) return k;
    }
    from = k + 2;
  }
}

function relHas(rel: string, tokens: readonly string[]): boolean {
  for (const token of rel.toLowerCase().split(/[\t\n\f\r ]+/)) {
    if (tokens.includes(token)) return true;
  }
  return false;
}

const NOFOLLOW = ['nofollow'];

/** Collapses ASCII whitespace runs to one space and trims, as `document.title` does. */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\t\n\f\r ]+/g, ' ').trim();
}

/**
 * Scans `html` once for links and the title. `pageUrl` is the document's URL (after
 * redirects); an unparsable `pageUrl` leaves only absolute links.
 */
export function scanHtml(html: string, pageUrl: string, options: ExtractLinksOptions = {}): HtmlScan {
  const maxLinks = options.maxLinks ?? 1000;
  const keepFragments = options.keepFragments ?? false;
  const linkRels = options.linkRels ?? [];
  const skipNofollow = options.skipNofollow ?? false;
  const links: string[] = [];
  const seen = new Set<string>();
  // Decoded hrefs met before a <base>, kept so that a late <base> can re-resolve them.
  const beforeBase: string[] = [];
  let title: string | null = null;
  const pageBase = parseHrefBase(pageUrl);
  let base: HrefBase | null = pageBase;
  let baseFound = false;
  const len = html.length;

  const add = (raw: string): void => {
    const href = decodeHtmlEntities(raw, true);
    if (!baseFound) beforeBase.push(href);
    const url = base === null ? parseAbsolute(href, keepFragments) : resolveHref(href, base, keepFragments);
    if (url !== null && !seen.has(url)) {
      seen.add(url);
      links.push(url);
    }
  };

  let i = 0;
  while (links.length < maxLinks) {
    const lt = html.indexOf('<', i);
    if (lt < 0 || lt + 1 >= len) break;
    const c = html.charCodeAt(lt + 1);
    if (isAsciiAlpha(c)) {
      let j = lt + 2;
      while (j < len) {
        const d = html.charCodeAt(j);
        if (isSpace(d) || d === 47 || d === 62) break;
        j++;
      }
      const kind = classify(html, lt + 1, j);
      const gt = scanTag(html, j, kind === TAG_A || kind === TAG_LINK || kind === TAG_BASE);
      if (gt < 0) break;
      i = gt + 1;
      if (kind === TAG_A) {
        if (capturedHref !== null && !(skipNofollow && capturedRel !== null && relHas(capturedRel, NOFOLLOW))) {
          add(capturedHref);
        }
      } else if (kind === TAG_LINK) {
        if (capturedHref !== null && capturedRel !== null && linkRels.length > 0 && relHas(capturedRel, linkRels)) {
          add(capturedHref);
        }
      } else if (kind === TAG_BASE) {
        if (!baseFound && capturedHref !== null) {
          baseFound = true;
          const baseHref = decodeHtmlEntities(capturedHref, true);
          const resolved = pageBase === null ? parseAbsolute(baseHref, true) : resolveHref(baseHref, pageBase, true);
          const parsed = resolved === null ? null : parseHrefBase(resolved);
          if (parsed !== null && parsed.href !== base?.href) {
            base = parsed;
            if (beforeBase.length > 0) {
              links.length = 0;
              seen.clear();
              for (const href of beforeBase) {
                const url = resolveHref(href, base, keepFragments);
                if (url !== null && !seen.has(url) && links.length < maxLinks) {
                  seen.add(url);
                  links.push(url);
                }
              }
            }
          }
          beforeBase.length = 0;
        }
      } else if (kind === TAG_RAW || kind === TAG_TITLE) {
        const name = html.slice(lt + 1, j).toLowerCase();
        const end = findEndTag(html, i, name);
        if (kind === TAG_TITLE && title === null) {
          title = collapseWhitespace(decodeHtmlEntities(html.slice(i, end < 0 ? len : end)));
        }
        if (end < 0) break;
        i = end;
      } else if (kind === TAG_PLAINTEXT) {
        break;
      }
    } else if (c === 47 /* / */) {
      const c2 = html.charCodeAt(lt + 2);
      if (isAsciiAlpha(c2)) {
        const gt = scanTag(html, lt + 3, false);
        if (gt < 0) break;
        i = gt + 1;
      } else {
        const gt = html.indexOf('>', lt + 2);
        if (gt < 0) break;
        i = gt + 1;
      }
    } else if (c === 33 /* ! */) {
      if (html.charCodeAt(lt + 2) === 45 && html.charCodeAt(lt + 3) === 45) {
        // `<!-->` and `<!--->` are complete (empty) comments.
        if (html.charCodeAt(lt + 4) === 62) i = lt + 5;
        else if (html.charCodeAt(lt + 4) === 45 && html.charCodeAt(lt + 5) === 62) i = lt + 6;
        else {
          const end = html.indexOf('-->', lt + 4);
          if (end < 0) break;
          i = end + 3;
        }
      } else {
        const gt = html.indexOf('>', lt + 2);
        if (gt < 0) break;
        i = gt + 1;
      }
    } else if (c === 63 /* ? */) {
      const gt = html.indexOf('>', lt + 2);
      if (gt < 0) break;
      i = gt + 1;
    } else {
      i = lt + 1;
    }
  }
  return { links, title };
}

/** Without a usable page URL only absolute http(s) hrefs can be kept. */
function parseAbsolute(href: string, keepFragment: boolean): string | null {
  const base = parseHrefBase(href.trim());
  if (base === null || !(base.href.startsWith('http:') || base.href.startsWith('https:'))) return null;
  return keepFragment ? base.href : base.noFragment;
}

/**
 * The links of an HTML page: absolute http(s) URLs from `<a href>` and `<area href>` (and
 * `<link rel>` tokens named in `options.linkRels`), resolved against `<base href>` or
 * `pageUrl`, without `javascript:`, `mailto:`, `data:`, `tel:` or other schemes, each once,
 * in document order, at most `options.maxLinks`.
 */
export function extractLinks(html: string, pageUrl: string, options: ExtractLinksOptions = {}): string[] {
  return scanHtml(html, pageUrl, options).links;
}
