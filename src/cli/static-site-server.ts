/**
 * A small static file server on a loopback port, for `superfilter demo`: serves a directory,
 * `/` and directories as their index.html, redirects listed in a `_redirects` file
 * (`/from /to 301` per line), and never a file outside the directory (or one whose name starts
 * with `_` or `.`, or a script).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** A running server. */
export interface StaticSite {
  readonly origin: string;
  /** Requests served so far. */
  readonly requests: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
};

function readRedirects(root: string): Map<string, { to: string; status: number }> {
  const map = new Map<string, { to: string; status: number }>();
  const file = join(root, '_redirects');
  if (!existsSync(file)) return map;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [from, to, status] = line.trim().split(/\s+/);
    if (!from || from.startsWith('#') || !to) continue;
    map.set(from, { to, status: Number(status) || 301 });
  }
  return map;
}

/** Serves `root` on 127.0.0.1 (port 0: a free one). */
export async function serveDirectory(root: string, port = 0): Promise<StaticSite> {
  const redirects = readRedirects(root);
  let served = 0;
  const server: Server = createServer((req, res) => {
    served++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const redirect = redirects.get(path);
    if (redirect) {
      res.writeHead(redirect.status, { location: redirect.to, 'content-length': 0 }).end();
      return;
    }
    const rel = normalize(path).replace(/^([/\\])+/, '');
    let file = join(root, rel);
    const hidden = rel.split(/[/\\]/).some((part) => part.startsWith('_') || part.startsWith('.'));
    if (!file.startsWith(root + sep) && file !== root) file = '';
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    const type = TYPES[extname(file)];
    if (!file || hidden || type === undefined || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not found</title><h1>Not found</h1>');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    get requests() {
      return served;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
