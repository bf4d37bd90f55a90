/**
 * A counting TCP proxy in front of a redis-server, for benchmarks: it relays bytes both ways
 * unchanged and counts the commands clients send (top-level RESP arrays or inline commands),
 * by name. Unlike INFO total_commands_processed it does not count the commands a Lua script
 * runs inside Redis: an EVALSHA is one command, as it is one request on the wire.
 *
 * Invariants: bytes are forwarded as they arrive (the count never delays or alters traffic);
 * a partial command at a chunk boundary is kept until its remaining bytes arrive.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface CommandProxy {
  port: number;
  /** Commands seen so far, by lower-case name. */
  readonly counts: Map<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

const CRLF = 0x0d;

/** Counts whole commands in `buf` from `start`; returns the offset of the first incomplete one. */
function countCommands(buf: Buffer, counts: Map<string, number>): number {
  let pos = 0;
  const line = (from: number): number => {
    const end = buf.indexOf(CRLF, from);
    return end < 0 || end + 1 >= buf.length ? -1 : end;
  };
  for (;;) {
    if (pos >= buf.length) return pos;
    const headEnd = line(pos);
    if (headEnd < 0) return pos;
    if (buf[pos] !== 0x2a /* '*' */) {
      // Inline command: one line.
      const name = buf.toString('latin1', pos, headEnd).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
      pos = headEnd + 2;
      continue;
    }
    const n = Number(buf.toString('latin1', pos + 1, headEnd));
    let p = headEnd + 2;
    let name = '';
    for (let i = 0; i < n; i++) {
      const lenEnd = line(p);
      if (lenEnd < 0) return pos;
      const len = Number(buf.toString('latin1', p + 1, lenEnd));
      const dataStart = lenEnd + 2;
      if (dataStart + len + 2 > buf.length) return pos;
      if (i === 0) name = buf.toString('latin1', dataStart, dataStart + len).toLowerCase();
      p = dataStart + len + 2;
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
    pos = p;
  }
}

/** Starts a proxy on a free loopback port relaying to 127.0.0.1:`targetPort`. */
export async function startCommandProxy(targetPort: number): Promise<CommandProxy> {
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const used = countCommands(pending, counts);
      pending = pending.subarray(used);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
