/**
 * Percent-encoding primitives with the exact character sets w3lib uses, working on JS strings
 * as if on their UTF-8 bytes (Python's `quote` / `unquote_to_bytes` semantics).
 *
 * Invariants: hex digits written are upper-case; `%` followed by two hex digits (either case)
 * is an escape, anything else is a literal `%`; a lone UTF-16 surrogate cannot be encoded and
 * raises UrlError SF_URL_INVALID (Python raises UnicodeEncodeError there).
 */
import { ErrorCodes, UrlError } from '../errors.ts';

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

/** A 128-entry lookup: 1 where the ASCII byte is left as is. */
export type SafeTable = Uint8Array;

function table(extra: string): SafeTable {
  const t = new Uint8Array(128);
  for (const c of UNRESERVED + extra) t[c.charCodeAt(0)] = 1;
  return t;
}

/** safe_url_string: userinfo (RFC 3986 userinfo minus `:;=`). */
export const USERINFO_SAFEST = table("!$&'()*+,");
/** safe_url_string: path, fragment, and query of non-special schemes. */
export const PATH_SAFEST = table(":/?@!$&'()*+,;=%");
/** safe_url_string: query of special schemes (http, https, ftp, file, ws, wss). */
export const SPECIAL_QUERY_SAFEST = table(':/?@!$&()*+,;=%');
/** canonicalize_url: path (all RFC 3986 reserved and unreserved, `|` and `%`, but not `#`). */
export const CANONICAL_PATH_SAFE = table(":/?[]@!$&'()*+,;=|%");
/** canonicalize_url: params, query and fragment (the path set plus `#`). */
export const CANONICAL_SAFE = table(":/?#[]@!$&'()*+,;=|%");
/** urlencode / quote_plus with no extra safe characters. */
export const FORM_SAFE = table('');

const HEX = '0123456789ABCDEF';
const ESCAPES: string[] = [];
for (let i = 0; i < 256; i++) ESCAPES.push('%' + HEX[i >> 4] + HEX[i & 15]);

/** Value of an ASCII hex digit, or -1. */
export function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decoded byte of the escape starting at `i` (a `%`), or -1 when it is not an escape. */
export function escapeAt(s: string, i: number): number {
  if (i + 2 >= s.length) return -1;
  const h = hexValue(s.charCodeAt(i + 1));
  if (h < 0) return -1;
  const l = hexValue(s.charCodeAt(i + 2));
  return l < 0 ? -1 : (h << 4) | l;
}

function invalid(): UrlError {
  return new UrlError(ErrorCodes.URL_INVALID, 'URL holds a lone UTF-16 surrogate, which has no UTF-8 form');
}

/** Appends the %XX escapes of the UTF-8 form of the non-ASCII code point at `i`; returns the next index. */
export function escapeNonAscii(s: string, i: number, out: string[]): number {
  const c = s.charCodeAt(i);
  if (c < 0x800) {
    out.push(ESCAPES[0xc0 | (c >> 6)] + ESCAPES[0x80 | (c & 63)]);
    return i + 1;
  }
  if (c >= 0xd800 && c <= 0xdfff) {
    const d = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw invalid();
    const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
    out.push(
      ESCAPES[0xf0 | (cp >> 18)] +
        ESCAPES[0x80 | ((cp >> 12) & 63)] +
        ESCAPES[0x80 | ((cp >> 6) & 63)] +
        ESCAPES[0x80 | (cp & 63)],
    );
    return i + 2;
  }
  out.push(ESCAPES[0xe0 | (c >> 12)] + ESCAPES[0x80 | ((c >> 6) & 63)] + ESCAPES[0x80 | (c & 63)]);
  return i + 1;
}

/** Appends the UTF-8 bytes of the non-ASCII code point at `i` as byte chars; returns the next index. */
export function utf8BytesAt(s: string, i: number, out: string[]): number {
  const c = s.charCodeAt(i);
  if (c < 0x800) {
    out.push(String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 63)));
    return i + 1;
  }
  if (c >= 0xd800 && c <= 0xdfff) {
    const d = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw invalid();
    const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
    out.push(String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)));
    return i + 2;
  }
  out.push(String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)));
  return i + 1;
}

/** Python `quote(s.encode('utf8'), safe)`: escapes every byte outside `safe`. */
export function quote(s: string, safe: SafeTable): string {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || safe[c] === 0) break;
    i++;
  }
  if (i === n) return s;
  const out: string[] = [s.slice(0, i)];
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      out.push(safe[c] === 1 ? s[i] : ESCAPES[c]);
      i++;
    } else {
      i = escapeNonAscii(s, i, out);
    }
  }
  return out.join('');
}

/** Python `quote` of a byte string held as chars 0..255, with `safe` extra characters. */
export function quoteBytes(bytes: string, safe: SafeTable, plusForSpace = false): string {
  let first = 0;
  while (first < bytes.length) {
    const b = bytes.charCodeAt(first);
    if (b >= 128 || safe[b] === 0) break;
    first++;
  }
  if (first === bytes.length) return bytes; // nothing to escape: no new string
  let out = bytes.slice(0, first);
  for (let i = first; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    if (b < 128 && safe[b] === 1) out += bytes[i];
    else if (plusForSpace && b === 32) out += '+';
    else out += ESCAPES[b];
  }
  return out;
}

/** Python `unquote_to_bytes(s.encode('utf8'))`, returning bytes as chars 0..255. */
export function unquoteToBytes(s: string, plusAsSpace = false): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || c === 37 || (plusAsSpace && c === 43)) break;
    i++;
  }
  if (i === n) return s; // plain ASCII without escapes: unchanged, nothing allocated
  const out: string[] = [];
  let start = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128 && c !== 37 && !(plusAsSpace && c === 43)) {
      i++;
      continue;
    }
    if (i > start) out.push(s.slice(start, i));
    if (c === 43) {
      out.push(' ');
      i++;
    } else if (c === 37) {
      const b = escapeAt(s, i);
      if (b < 0) {
        out.push('%');
        i++;
      } else {
        out.push(String.fromCharCode(b));
        i += 3;
      }
    } else {
      i = utf8BytesAt(s, i, out);
    }
    start = i;
  }
  if (start === 0) return s;
  if (start < n) out.push(s.slice(start));
  return out.join('');
}

const decoder = new TextDecoder('utf-8');

/**
 * Python's `quote(unquote(s), safe)` for a str: escapes inside each ASCII run are decoded as
 * UTF-8 with replacement characters for invalid sequences, then everything is re-escaped.
 */
export function requoteText(s: string, safe: SafeTable): string {
  if (!s.includes('%')) return quote(s, safe);
  let text = '';
  let i = 0;
  while (i < s.length) {
    let j = i;
    const ascii = s.charCodeAt(i) < 128;
    while (j < s.length && s.charCodeAt(j) < 128 === ascii) j++;
    const run = s.slice(i, j);
    if (ascii) {
      const bytes = unquoteToBytes(run);
      const buf = new Uint8Array(bytes.length);
      for (let k = 0; k < bytes.length; k++) buf[k] = bytes.charCodeAt(k);
      text += decoder.decode(buf);
    } else {
      text += run;
    }
    i = j;
  }
  return quote(text, safe);
}
