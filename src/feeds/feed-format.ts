/**
 * Feed formats: how items become bytes. One encoder per format; the feed writer owns the file.
 *
 * Invariants: every string an encoder returns for an item is whole records only (a JSON Lines
 * line, a CSV record, an array element with its separator), so a feed cut at any returned
 * boundary is valid up to that point. `header` / `footer` bracket the items.
 */
import { ErrorCodes, FeedError } from '../errors.ts';

/** The feed formats superfilter writes. */
export type FeedFormat = 'jsonl' | 'csv' | 'json';

/** An item as pipelines hand it to a feed: a plain JSON-serializable object. */
export type FeedItem = Record<string, unknown>;

/** Turns items into text for one format. */
export interface FeedEncoder {
  readonly format: FeedFormat;
  /** Text to write at the start of an empty file (may need the first item, for CSV columns). */
  header(first: FeedItem | undefined): string;
  /** Text for one item, whole records only; `json` is the item's JSON text, computed once by the caller. */
  item(item: FeedItem, json: string): string;
  /** Text that closes the feed (the JSON array's bracket). */
  footer(): string;
  /** Prepares to append to an existing feed whose first `head` characters are given. */
  resume(head: string): void;
}

/** Picks a format from a file name: `.csv`, `.json`, anything else is JSON Lines. */
export function formatForPath(path: string): FeedFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return 'jsonl';
}

/** JSON Lines: one item per line, `\n` terminated. */
export class JsonLinesEncoder implements FeedEncoder {
  readonly format = 'jsonl' as const;
  header(): string {
    return '';
  }
  item(_item: FeedItem, json: string): string {
    return `${json}\n`;
  }
  footer(): string {
    return '';
  }
  resume(): void {}
}

/** A JSON array, one element per line; the closing bracket is written on close. */
export class JsonArrayEncoder implements FeedEncoder {
  readonly format = 'json' as const;
  private any = false;
  header(): string {
    return '[';
  }
  item(_item: FeedItem, json: string): string {
    const sep = this.any ? ',\n' : '\n';
    this.any = true;
    return sep + json;
  }
  footer(): string {
    return '\n]\n';
  }
  resume(head: string): void {
    this.any = head.trim().length > 1;
  }
}

/**
 * CSV (RFC 4180, CRLF records). Columns are the first item's keys; keys that later items add are
 * not written (a CSV header cannot grow once written) and are counted in `droppedFields`.
 * Nested values are written as JSON text.
 */
export class CsvEncoder implements FeedEncoder {
  readonly format = 'csv' as const;
  private columns: string[] | null = null;
  /** Number of item fields left out because they were not among the columns. */
  droppedFields = 0;

  header(first: FeedItem | undefined): string {
    if (first === undefined) return '';
    this.columns = Object.keys(first);
    return `${this.columns.map(csvField).join(',')}\r\n`;
  }
  item(item: FeedItem): string {
    if (this.columns === null) throw new FeedError(ErrorCodes.FEED_IO, 'CSV header not written before the first item');
    const cols = this.columns;
    let known = 0;
    const cells = cols.map((c) => {
      if (Object.hasOwn(item, c)) known++;
      return csvValue(item[c]);
    });
    const extra = Object.keys(item).length - known;
    if (extra > 0) this.droppedFields += extra;
    return `${cells.join(',')}\r\n`;
  }
  footer(): string {
    return '';
  }
  resume(head: string): void {
    const end = head.indexOf('\r\n');
    if (end <= 0) return;
    this.columns = parseCsvRecord(head.slice(0, end));
  }
  /** True once the columns are known (the header is written or read back). */
  get hasHeader(): boolean {
    return this.columns !== null;
  }
}

function csvValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return csvField(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return csvField(JSON.stringify(v));
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Splits one CSV record (no line breaks inside fields, as in our header) into fields. */
function parseCsvRecord(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let j = i + 1;
      let s = '';
      while (j < line.length) {
        if (line[j] === '"' && line[j + 1] === '"') {
          s += '"';
          j += 2;
        } else if (line[j] === '"') break;
        else s += line[j++];
      }
      out.push(s);
      i = j + 2;
    } else {
      const k = line.indexOf(',', i);
      const end = k === -1 ? line.length : k;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** Creates the encoder of a format. */
export function createEncoder(format: FeedFormat): FeedEncoder {
  if (format === 'csv') return new CsvEncoder();
  if (format === 'json') return new JsonArrayEncoder();
  return new JsonLinesEncoder();
}
