/**
 * A real node:http server on 127.0.0.1 for downloader tests: random port, tracks its sockets
 * (so tests can see the client hang up) and destroys them all on close.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A running test server. */
export interface TestServer {
  port: number;
  origin: string;
  /** Every socket the server accepted, in order. */
  sockets: Socket[];
  /** Resolves when the given socket has closed (or at once if it already has). */
  closed(socket: Socket): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server with `handler` on 127.0.0.1 at a free port. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer({ maxHeaderSize: 256 * 1024 }, handler);
  const sockets: Socket[] = [];
  const closedSockets = new WeakSet<Socket>();
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('close', () => closedSockets.add(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    sockets,
    closed: (socket) =>
      closedSockets.has(socket) || socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve())),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
