// Outages (a Hub incident, a router reboot): for a while a server refuses connections, drops them at
// accept, or answers 503. The 503 mode is applied per request in servers.ts; this file handles sockets.
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { OutageSpec } from './types.ts';

export type Side = 'hub' | 'cdn';

export interface ActiveOutage {
  mode: NonNullable<OutageSpec['mode']>;
  server: NonNullable<OutageSpec['server']>;
  until: number;
}

export function outageHits(o: ActiveOutage | undefined, side: Side): boolean {
  return o !== undefined && Date.now() < o.until && (o.server === 'both' || o.server === side);
}

/** Stops and restarts listening, and drops connections, as the current outage says. */
export class OutageSockets {
  #servers: Record<Side, Server[]>;
  #paused = new Map<Server, { host: string; port: number }>();
  #current: ActiveOutage | undefined;
  #closed = false;

  constructor(servers: Record<Side, Server[]>) {
    this.#servers = servers;
    for (const side of ['hub', 'cdn'] as const) {
      for (const s of servers[side]) s.on('connection', (socket: Socket) => this.#onConnection(side, socket));
    }
  }

  apply(outage: ActiveOutage | undefined): void {
    if (this.#closed) return;
    this.#current = outage;
    for (const side of ['hub', 'cdn'] as const) {
      const hit = outage !== undefined && (outage.server === 'both' || outage.server === side);
      for (const s of this.#servers[side]) {
        if (hit && outage.mode !== '503') s.closeAllConnections();
        if (hit && outage.mode === 'refuse') this.#pause(s);
        else this.#resume(s);
      }
    }
  }

  /** Before sim.close(): never listen again. */
  close(): void {
    this.#closed = true;
    this.#paused.clear();
  }

  #onConnection(side: Side, socket: Socket): void {
    if (this.#current?.mode === 'drop' && outageHits(this.#current, side)) socket.destroy();
  }

  #pause(s: Server): void {
    if (this.#paused.has(s) || !s.listening) return;
    const { address, port } = s.address() as AddressInfo;
    this.#paused.set(s, { host: address, port });
    s.close();
  }

  #resume(s: Server): void {
    const at = this.#paused.get(s);
    if (!at) return;
    this.#paused.delete(s);
    const retry = (): void => {
      if (this.#closed || this.#paused.has(s)) return;
      // the port is ours, but something else may grab it meanwhile: keep trying until it is free again
      const onError = (): void => void setTimeout(retry, 100).unref();
      s.once('error', onError);
      s.listen({ port: at.port, host: at.host }, () => s.off('error', onError));
    };
    retry();
  }
}
