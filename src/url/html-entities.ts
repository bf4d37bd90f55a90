/**
 * Decoding of HTML character references in attribute values and short text (titles), without
 * a DOM and without the 2,000-entry HTML5 table.
 *
 * Owns: numeric references (decimal and hex, with the HTML remapping of 0x80–0x9F and the
 * replacement of invalid code points), the ASCII punctuation names HTML5 added (`&colon;`,
 * `&sol;`, … which matter for URLs), the HTML 4 Latin-1 set and the common typographic names.
 * Invariant: a reference that is not recognised is left exactly as written, so decoding never
 * loses text; in attribute mode a reference without `;` followed by `=` or an alphanumeric is
 * left alone, as the HTML tokenizer does (so `?a=1&copy=2` keeps its query).
 */

/** Names of the code points U+00A0..U+00FF, in order (the HTML 4 Latin-1 set). */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(
    ' ',
  );

const OTHERS: Record<string, number> = {
  quot: 34, amp: 38, apos: 39, lt: 60, gt: 62, QUOT: 34, AMP: 38, LT: 60, GT: 62,
  Tab: 9, NewLine: 10, excl: 33, num: 35, dollar: 36, percnt: 37, lpar: 40, rpar: 41, ast: 42,
  plus: 43, comma: 44, period: 46, sol: 47, colon: 58, semi: 59, equals: 61, quest: 63,
  commat: 64, lsqb: 91, lbrack: 91, bsol: 92, rsqb: 93, rbrack: 93, Hat: 94, lowbar: 95,
  grave: 96, lcub: 123, lbrace: 123, verbar: 124, vert: 124, rcub: 125, rbrace: 125,
  OElig: 338, oelig: 339, Scaron: 352, scaron: 353, Yuml: 376, fnof: 402, circ: 710, tilde: 732,
  ensp: 8194, emsp: 8195, thinsp: 8201, zwnj: 8204, zwj: 8205, lrm: 8206, rlm: 8207,
  ndash: 8211, mdash: 8212, lsquo: 8216, rsquo: 8217, sbquo: 8218, ldquo: 8220, rdquo: 8221,
  bdquo: 8222, dagger: 8224, Dagger: 8225, bull: 8226, hellip: 8230, permil: 8240, prime: 8242,
  Prime: 8243, lsaquo: 8249, rsaquo: 8250, oline: 8254, frasl: 8260, euro: 8364, trade: 8482,
  larr: 8592, uarr: 8593, rarr: 8594, darr: 8595, harr: 8596, minus: 8722, infin: 8734,
  ne: 8800, le: 8804, ge: 8805, hearts: 9829, COPY: 169, REG: 174,
};

/** Names the tokenizer also accepts without a trailing `;` (the legacy subset we know). */
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'AMP', 'LT', 'GT', 'QUOT', 'COPY', 'REG', ...LATIN1]);

const NAMED = new Map<string, string>();
for (const [i, name] of LATIN1.entries()) NAMED.set(name, String.fromCharCode(0xa0 + i));
for (const [name, cp] of Object.entries(OTHERS)) NAMED.set(name, String.fromCodePoint(cp));

/**
 * What numeric references to 0x80–0x9F stand for: the characters of those windows-1252 bytes
 * (also used to decode windows-1252 bodies, which Node 20's TextDecoder reads as ISO-8859-1).
 */
export const WINDOWS_1252_HIGH: ReadonlyMap<number, number> = new Map<number, number>([
  [0x80, 0x20ac], [0x82, 0x201a], [0x83, 0x0192], [0x84, 0x201e], [0x85, 0x2026], [0x86, 0x2020],
  [0x87, 0x2021], [0x88, 0x02c6], [0x89, 0x2030], [0x8a, 0x0160], [0x8b, 0x2039], [0x8c, 0x0152],
  [0x8e, 0x017d], [0x91, 0x2018], [0x92, 0x2019], [0x93, 0x201c], [0x94, 0x201d], [0x95, 0x2022],
  [0x96, 0x2013], [0x97, 0x2014], [0x98, 0x02dc], [0x99, 0x2122], [0x9a, 0x0161], [0x9b, 0x203a],
  [0x9c, 0x0153], [0x9e, 0x017e], [0x9f, 0x0178],
]);

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);
}

function numericChar(cp: number): string {
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD';
  return String.fromCodePoint(WINDOWS_1252_HIGH.get(cp) ?? cp);
}

/**
 * Decodes the character references of `s`. `inAttribute` applies the attribute-value rule for
 * references without `;`. Returns `s` itself when it holds no `&`.
 */
export function decodeHtmlEntities(s: string, inAttribute = false): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  const len = s.length;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    let j = amp + 1;
    let replacement: string | null = null;
    if (s.charCodeAt(j) === 35 /* # */) {
      j++;
      const hex = (s.charCodeAt(j) | 32) === 120; /* x */
      if (hex) j++;
      const digitsStart = j;
      let cp = 0;
      for (; j < len; j++) {
        const c = s.charCodeAt(j);
        let d: number;
        if (c >= 48 && c <= 57) d = c - 48;
        else if (hex && (c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
        else break;
        // Clamp so that absurdly long digit runs cannot overflow into a valid code point.
        cp = Math.min(cp * (hex ? 16 : 10) + d, 0x110000);
      }
      if (j > digitsStart) {
        replacement = numericChar(cp);
        if (s.charCodeAt(j) === 59) j++;
      }
    } else {
      while (j < len && isAlnum(s.charCodeAt(j))) j++;
      const name = s.slice(amp + 1, j);
      if (s.charCodeAt(j) === 59 /* ; */) {
        const hit = NAMED.get(name);
        if (hit !== undefined) {
          replacement = hit;
          j++;
        }
      } else if (LEGACY.has(name) && !(inAttribute && s.charCodeAt(j) === 61)) {
        replacement = NAMED.get(name) ?? null;
      } else if (!inAttribute && name.length > 2) {
        // In text, a legacy name may prefix other letters (`&copy2024`); take the longest known prefix.
        for (let k = Math.min(name.length - 1, 6); k >= 2; k--) {
          const prefix = name.slice(0, k);
          if (LEGACY.has(prefix)) {
            replacement = NAMED.get(prefix) ?? null;
            j = amp + 1 + k;
            break;
          }
        }
      }
    }
    if (replacement !== null) {
      out += s.slice(last, amp) + replacement;
      last = j;
    }
    amp = s.indexOf('&', Math.max(j, amp + 1));
  }
  return out + s.slice(last);
}
