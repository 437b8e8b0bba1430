// "localhost" may resolve to 127.0.0.1 or ::1 depending on the client and the OS, so the hub listens on
// both loopback addresses with the same port.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function listenOne(handler: Handler, port: number, host: string): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 5_000 }, handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export async function closeServers(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          // stalled or throttled downloads would otherwise hold close() forever
          s.closeAllConnections();
        }),
    ),
  );
}

/** Listens on `host` only, or (no host) on 127.0.0.1 and ::1 with the same port. */
export async function listenServers(handler: Handler, port: number, host?: string): Promise<{ servers: Server[]; port: number }> {
  if (host) {
    const server = await listenOne(handler, port, host);
    return { servers: [server], port: portOf(server) };
  }
  for (let attempt = 0; ; attempt++) {
    const v4 = await listenOne(handler, port, '127.0.0.1');
    const actual = portOf(v4);
    try {
      const v6 = await listenOne(handler, actual, '::1');
      return { servers: [v4, v6], port: actual };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // no IPv6 on this machine: localhost can only be 127.0.0.1
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return { servers: [v4], port: actual };
      await closeServers([v4]);
      // a random port taken on ::1 only: pick another one
      if (code !== 'EADDRINUSE' || port !== 0 || attempt >= 10) throw err;
    }
  }
}
