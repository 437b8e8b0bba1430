// Several API instances may share one database: a change saved on one is announced with NOTIFY in its
// transaction (settings.service.ts), and every instance LISTENs on a connection of its own and reloads.
// A lost connection is opened again, and the settings read afresh, since a change may have been missed.
import pg from 'pg';
import type { PgConnection } from '../config/config.ts';
import { SETTINGS_CHANNEL } from './settings.repository.ts';

interface Logger {
  warn(obj: object, msg: string): void;
}

export interface SettingsListener {
  close(): Promise<void>;
}

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

export async function listenForSettings(conn: PgConnection, reload: () => Promise<void>, log: Logger): Promise<SettingsListener> {
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | null = null;

  const reloadNow = () => {
    reload().catch((err) => log.warn({ err }, 'could not reload the settings after a change on another instance'));
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ ...conn, application_name: 'd011dl-settings' });
    c.on('notification', (msg) => {
      if (msg.channel === SETTINGS_CHANNEL) reloadNow();
    });
    // a connection that ends (server restart, network) is replaced; 'error' alone would crash the process
    c.on('error', (err) => log.warn({ err: { message: err.message } }, 'settings listener connection lost; reconnecting'));
    c.on('end', () => {
      if (client !== c) return; // not yet listening: connect()'s caller handles that failure
      client = null;
      if (!closed) retryLater();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${SETTINGS_CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    retryMs = RETRY_MIN_MS;
  }

  function retryLater(): void {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().then(reloadNow, (err) => {
        log.warn({ err: { message: (err as Error).message } }, 'settings listener could not reconnect; trying again');
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
        retryLater();
      });
    }, retryMs);
    retryTimer.unref();
  }

  await connect();
  return {
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
