import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How many sockets listen on the one port. Node's event loop (libuv) accepts one connection per
 * listening socket per turn; a server busy answering takes 10–60 ms a turn, so one socket took in
 * 20–90 new connections a second while it was busy, and new visitors (and responders posting an
 * update) waited seconds for theirs: the kernel's queue overflowed and their handshakes were
 * retried after 1 s, 3 s, 7 s. With SO_REUSEPORT the kernel spreads new connections over several
 * sockets of this one process, each accepting one per turn: 64 take in a burst of a few hundred
 * visitors (an incident just declared) within a few turns. Linux only; one socket elsewhere.
 */
const LISTEN_SOCKETS = process.platform === 'linux' ? 64 : 1;

export interface Listening {
  servers: Server[];
  address: AddressInfo;
  /** Stops accepting on every socket; resolves once each server's connections have closed. */
  close(): Promise<void>;
  /** Closes the connections that are not answering a request now. */
  closeIdleConnections(): void;
}

/**
 * Serves `handler` on `host:port` through `sockets` listening sockets sharing the port. A port
 * another process listens on is refused (EADDRINUSE), as with one socket: the sockets share the
 * port with each other, never with another server started by mistake on the same port.
 */
export async function listen(
  handler: RequestListener,
  { port, host, sockets = LISTEN_SOCKETS, keepAliveTimeout }: { port: number; host: string; sockets?: number; keepAliveTimeout: number },
): Promise<Listening> {
  const reusePort = sockets > 1;
  // A socket without SO_REUSEPORT cannot bind a port anyone listens on: this one says whether
  // the port is free before the shared sockets take it.
  if (reusePort && port !== 0) await listenOne(createServer(), port, host, false).then((probe) => closeServer(probe));
  const servers: Server[] = [];
  try {
    for (let i = 0; i < sockets; i++) {
      const server = createServer(handler);
      server.keepAliveTimeout = keepAliveTimeout;
      // The first socket picks the port when asked for any (0); the others share it.
      servers.push(await listenOne(server, i === 0 ? port : (servers[0]!.address() as AddressInfo).port, host, reusePort));
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }
  return {
    servers,
    address: servers[0]!.address() as AddressInfo,
    close: () => Promise.all(servers.map(closeServer)).then(() => undefined),
    closeIdleConnections: () => {
      for (const s of servers) s.closeIdleConnections();
    },
  };
}

function listenOne(server: Server, port: number, host: string, reusePort: boolean): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, reusePort }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
