/**
 * A multi-host test site for fleet tests and the scaling benchmark: one loopback HTTP server
 * answering for many host names (reached through `--resolve name:port:127.0.0.1`), with an
 * access log of arrival times taken at the server.
 *
 * Page k (`/p/k`, k in [0, pages)) lives on host k mod H and links to its `fanout` children
 * (fanout·k+1 …) as absolute URLs on their own hosts, plus duplicates a crawler must filter:
 * the child again with a fragment, the parent, and the host's root. Each host's root `/` links
 * to page 0. So a crawl started at any root reaches exactly `expected`: every page and every
 * root, each once.
 *
 * Invariants: the log records every request in arrival order with a sub-millisecond wall-clock
 * time; `hold` can keep chosen requests unanswered (they are logged, then answered only at
 * close), which lets a test kill a worker while it holds leases.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One request the server saw. */
export interface FleetLogEntry {
  /** Host name without port, lower-case. */
  host: string;
  path: string;
  /** User-Agent header: tests give each worker its own. */
  ua: string;
  /** Arrival, epoch ms with sub-ms precision. */
  at: number;
  /** True when the request was held (never answered). */
  held: boolean;
}

/** Options of {@link startFleetSite}. */
export interface FleetSiteOptions {
  /** Pages in the tree (default 2000). */
  pages?: number;
  /** Host names (default 4): `h0.fleet.test` … */
  hosts?: number;
  /** Children per page (default 4). */
  fanout?: number;
  /** Milliseconds added to every response. */
  latencyMs?: number;
  /** Requests for which this answers true are logged and left unanswered. */
  hold?: (entry: FleetLogEntry) => boolean;
}

/** A running fleet site. */
export interface FleetSite {
  readonly port: number;
  readonly hostNames: string[];
  /** `http://h0.fleet.test:port/`: where crawls start. */
  readonly startUrl: string;
  /** Every URL a complete crawl fetches, once each. */
  readonly expected: string[];
  readonly log: FleetLogEntry[];
  /** `--resolve` flags for every host name. */
  resolveArgs(): string[];
  /** Requests per URL (held ones included). */
  counts(): Map<string, number>;
  /** Most requests one host had open at once (arrival to response end), per host. */
  readonly maxOpen: Map<string, number>;
  close(): Promise<void>;
}

/** Absolute URL of a logged request. */
export function entryUrl(port: number, e: { host: string; path: string }): string {
  return `http://${e.host}:${port}${e.path}`;
}

/** Closest two consecutive arrivals at one host. */
export interface HostGap {
  min: number;
  gaps: number;
  /** The two requests closest together, as `ua path`. */
  pair: [string, string];
}

/** Smallest gap between consecutive arrivals per host, the number of gaps, and the pair. */
export function minGaps(entries: readonly FleetLogEntry[]): Map<string, HostGap> {
  const byHost = new Map<string, FleetLogEntry[]>();
  for (const e of entries) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
  const out = new Map<string, HostGap>();
  const label = (e: FleetLogEntry) => `${e.ua} ${e.path}`;
  for (const [host, list] of byHost) {
    list.sort((a, b) => a.at - b.at);
    const gap: HostGap = { min: Number.POSITIVE_INFINITY, gaps: list.length - 1, pair: ['', ''] };
    for (let i = 1; i < list.length; i++) {
      const d = list[i].at - list[i - 1].at;
      if (d < gap.min) Object.assign(gap, { min: d, pair: [label(list[i - 1]), label(list[i])] });
    }
    out.set(host, gap);
  }
  return out;
}

/** Starts the site on 127.0.0.1 on a free port. */
export async function startFleetSite(options: FleetSiteOptions = {}): Promise<FleetSite> {
  const n = options.pages ?? 2000;
  const hostCount = options.hosts ?? 4;
  const fanout = options.fanout ?? 4;
  const hostNames = Array.from({ length: hostCount }, (_, j) => `h${j}.fleet.test`);
  const hostIndex = new Map(hostNames.map((h, j) => [h, j]));
  const log: FleetLogEntry[] = [];
  const sockets = new Set<Socket>();
  const heldResponses = new Set<ServerResponse>();
  const open = new Map<string, number>();
  const maxOpen = new Map<string, number>();
  let port = 0;
  const url = (k: number) => `http://${hostNames[k % hostCount]}:${port}/p/${k}`;

  const page = (k: number): string => {
    const links: string[] = [];
    for (let c = fanout * k + 1; c <= fanout * k + fanout && c < n; c++) {
      links.push(`<a href="${url(c)}">child ${c}</a>`, `<a href="${url(c)}#again">again</a>`);
    }
    if (k > 0) links.push(`<a href="${url(Math.floor((k - 1) / fanout))}">parent</a>`);
    links.push('<a href="/">home</a>');
    return `<!doctype html><html><head><title>Page ${k}</title></head><body><h1>Page ${k}</h1>${links.join('\n')}</body></html>`;
  };

  const respond = (req: IncomingMessage, res: ServerResponse, host: string, path: string) => {
    const j = hostIndex.get(host);
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (j === undefined || req.method !== 'GET') return send(404, 'text/plain', 'no such host');
    if (path === '/robots.txt') return send(200, 'text/plain', 'User-agent: *\nDisallow: /private/\n');
    if (path === '/') return send(200, 'text/html', `<!doctype html><title>Root ${host}</title><a href="${url(0)}">start</a>`);
    const m = /^\/p\/(\d+)$/.exec(path);
    const k = m ? Number(m[1]) : -1;
    if (k >= 0 && k < n && k % hostCount === j) return send(200, 'text/html; charset=utf-8', page(k));
    return send(404, 'text/plain', 'not found');
  };

  const server = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = req.url ?? '/';
    const entry: FleetLogEntry = { host, path, ua: String(req.headers['user-agent'] ?? ''), at: performance.timeOrigin + performance.now(), held: false };
    log.push(entry);
    if (path !== '/robots.txt') {
      const now = (open.get(host) ?? 0) + 1;
      open.set(host, now);
      if (now > (maxOpen.get(host) ?? 0)) maxOpen.set(host, now);
      res.once('close', () => open.set(host, (open.get(host) ?? 1) - 1));
    }
    if (options.hold?.(entry)) {
      entry.held = true;
      heldResponses.add(res);
      return;
    }
    if (options.latencyMs) setTimeout(() => respond(req, res, host, path), options.latencyMs);
    else respond(req, res, host, path);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  const expected = hostNames.map((h) => `http://${h}:${port}/`);
  for (let k = 0; k < n; k++) expected.push(url(k));
  return {
    port,
    hostNames,
    startUrl: `http://${hostNames[0]}:${port}/`,
    expected,
    log,
    maxOpen,
    resolveArgs: () => hostNames.flatMap((h) => ['--resolve', `${h}:${port}:127.0.0.1`]),
    counts: () => {
      const m = new Map<string, number>();
      for (const e of log) {
        if (e.path === '/robots.txt') continue;
        const u = entryUrl(port, e);
        m.set(u, (m.get(u) ?? 0) + 1);
      }
      return m;
    },
    close: async () => {
      for (const r of heldResponses) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
