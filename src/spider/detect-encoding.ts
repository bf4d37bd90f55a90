/**
 * Which character encoding a response body is in, following the order of the HTML encoding
 * sniffing algorithm: a byte order mark, then the Content-Type `charset`, then (for HTML) a
 * `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">` within the
 * first 1024 bytes, then UTF-8.
 *
 * Invariant: the answer is always a name `TextDecoder` accepts (labels are resolved through
 * TextDecoder itself, which knows every WHATWG label given Node's full ICU); an unknown or
 * unsupported label is skipped, never an error.
 */
import { TextDecoder } from 'node:util';
import { WINDOWS_1252_HIGH } from '../url/html-entities.ts';

/** The encoding chosen and the evidence it came from. */
export interface DetectedEncoding {
  /** A WHATWG encoding name, for example `utf-8`, `windows-1252`, `shift_jis`. */
  encoding: string;
  source: 'bom' | 'header' | 'meta' | 'default';
}

const decoders = new Map<string, TextDecoder | null>();

/** A shared decoder for `label`, or null when TextDecoder does not support it. */
export function decoderFor(label: string): TextDecoder | null {
  const key = label.trim().toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = null;
    }
    if (decoders.size < 256) decoders.set(key, decoder);
  }
  return decoder;
}

const CHARSET_PARAM = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))/i;

/** The charset named in a Content-Type value (or a meta `content` value), if any. */
export function charsetFromContentType(value: string | undefined): string | null {
  if (!value) return null;
  const m = CHARSET_PARAM.exec(value);
  if (m === null) return null;
  return (m[1] ?? m[2] ?? m[3] ?? '').trim() || null;
}

const META_TAG = /<meta[\t\n\f\r /]([^>]*)>?/gi;
const ATTRIBUTE = /([^\t\n\f\r />=]+)(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r >]*)))?/g;

/** The encoding label a `<meta>` declares within the first 1024 bytes of `body`, or null. */
export function charsetFromMeta(body: Uint8Array): string | null {
  // latin1 maps bytes 1:1 to code units, so ASCII markup reads the same whatever the encoding.
  let head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 1024)).toString('latin1');
  head = head.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  for (const tag of head.matchAll(META_TAG)) {
    let charset: string | null = null;
    let httpEquivContentType = false;
    let content: string | null = null;
    for (const a of tag[1].matchAll(ATTRIBUTE)) {
      const name = a[1].toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      if (name === 'charset' && charset === null) charset = value.trim();
      else if (name === 'http-equiv') httpEquivContentType ||= value.trim().toLowerCase() === 'content-type';
      else if (name === 'content' && content === null) content = value;
    }
    if (charset) return charset;
    if (httpEquivContentType) {
      const fromContent = charsetFromContentType(content ?? undefined);
      if (fromContent) return fromContent;
    }
  }
  return null;
}

function bomEncoding(body: Uint8Array): string | null {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return null;
}

/** Picks the encoding of `body` given its Content-Type header; `sniffMeta` for HTML bodies. */
export function detectEncoding(body: Uint8Array, contentType: string | undefined, sniffMeta: boolean): DetectedEncoding {
  const bom = bomEncoding(body);
  if (bom !== null) return { encoding: bom, source: 'bom' };
  const header = charsetFromContentType(contentType);
  const fromHeader = header === null ? null : decoderFor(header);
  if (fromHeader !== null) return { encoding: fromHeader.encoding, source: 'header' };
  if (sniffMeta) {
    const label = charsetFromMeta(body);
    const fromMeta = label === null ? null : decoderFor(label.trim().toLowerCase() === 'x-user-defined' ? 'windows-1252' : label);
    if (fromMeta !== null) {
      // A page cannot truly declare UTF-16 in ASCII-compatible markup; HTML reads it as UTF-8.
      let encoding = fromMeta.encoding;
      if (encoding === 'utf-16le' || encoding === 'utf-16be') encoding = 'utf-8';
      return { encoding, source: 'meta' };
    }
  }
  return { encoding: 'utf-8', source: 'default' };
}

/** Decodes windows-1252 by the WHATWG table (Node 20's TextDecoder maps 0x80–0x9F to C1 controls). */
function decodeWindows1252(body: Uint8Array): string {
  const latin1 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(WINDOWS_1252_HIGH.get(c.charCodeAt(0)) ?? c.charCodeAt(0)));
}

/** Decodes `body` in `encoding` (malformed bytes become U+FFFD; a leading BOM is dropped). */
export function decodeBody(body: Uint8Array, encoding: string): string {
  const decoder = decoderFor(encoding) ?? decoderFor('utf-8')!;
  if (decoder.encoding === 'windows-1252') return decodeWindows1252(body);
  return decoder.decode(body);
}
