/**
 * `--resolve host:port:address` entries, as curl has them: connections to `host:port` go to
 * `address` while the URL, the Host header and the TLS server name keep `host`.
 *
 * Invariants: every entry is validated up front (a bad one is a ConfigError naming it, never a
 * failure at fetch time); host names are matched lower-case; the address is a literal IP.
 */
import { isIP } from 'node:net';
import { ConfigError, ErrorCodes } from '../errors.ts';

/** One parsed entry. */
export interface ResolveEntry {
  /** Lower-case host name as it appears in URLs (IPv6 without brackets). */
  host: string;
  port: number;
  /** Literal IPv4 or IPv6 address (IPv6 without brackets). */
  address: string;
}

/** Parsed entries keyed by `host:port`. */
export type ResolveMap = ReadonlyMap<string, ResolveEntry>;

function invalid(entry: string, why: string): ConfigError {
  return new ConfigError(ErrorCodes.CONFIG_INVALID, `--resolve "${entry}": ${why} (expected host:port:address, e.g. shop.test:8080:127.0.0.1)`, {
    details: { setting: 'resolve', value: entry },
  });
}

function unbracket(value: string): string {
  return value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
}

/** Parses one `host:port:address` entry; throws ConfigError SF_CONFIG_INVALID when malformed. */
export function parseResolveEntry(entry: string): ResolveEntry {
  const text = entry.trim();
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') throw invalid(entry, 'unterminated [IPv6] host');
    host = text.slice(1, close);
    rest = text.slice(close + 2);
  } else {
    const colon = text.indexOf(':');
    if (colon < 0) throw invalid(entry, 'missing port and address');
    host = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  const colon = rest.indexOf(':');
  if (colon < 0) throw invalid(entry, 'missing address');
  const portText = rest.slice(0, colon);
  const address = unbracket(rest.slice(colon + 1).trim());
  host = host.trim().toLowerCase();
  if (host === '' || /[\s/?#@]/.test(host)) throw invalid(entry, 'bad host name');
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw invalid(entry, `port must be 1-65535, got "${portText}"`);
  }
  if (isIP(address) === 0) throw invalid(entry, `address must be a literal IP address, got "${address}"`);
  return { host, port: Number(portText), address };
}

/** Parses a list of entries into a lookup map; a later entry for the same host:port wins. */
export function parseResolveEntries(entries: readonly string[]): ResolveMap {
  const map = new Map<string, ResolveEntry>();
  for (const entry of entries) {
    const parsed = parseResolveEntry(entry);
    map.set(`${parsed.host}:${parsed.port}`, parsed);
  }
  return map;
}
