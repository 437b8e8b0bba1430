// The whole stack for portal tests: hub simulator, the real API (own database) over HTTP, the portal.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startHubSim, type HubSim } from '@d011dl/hubsim';
import { startTestApp, type TestApp } from '../../../api/test/helpers/app.ts';
import { buildWebApp, type WebOptions } from '../../src/app.ts';

export interface Stack {
  sim: HubSim;
  api: TestApp;
  apiUrl: string;
  webUrl: string;
  close(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}, webOpts: Omit<WebOptions, 'apiBaseUrl'> = {}): Promise<Stack> {
  // the portal's tests fetch thousands of files anonymously within minutes: more than the live quota
  const sim = await startHubSim({ live: { rateLimits: { anonymous: { resolvers: 50_000, api: 5_000 } } } });
  const api = await startTestApp({ HF_ENDPOINT: sim.url, ...env });
  const apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const web = buildWebApp({ apiBaseUrl: apiUrl, ...webOpts });
  const server: Server = await new Promise((resolve) => {
    const s = web.listen(0, '127.0.0.1', () => resolve(s));
  });
  const webUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sim,
    api,
    apiUrl,
    webUrl,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      await sim.close();
    },
  };
}

/** A tiny browser: keeps cookies, never follows redirects, reads the CSRF token off pages. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  readonly #headers: Record<string, string>;
  constructor(base: string, headers: Record<string, string> = {}) {
    this.base = base;
    this.#headers = headers;
  }

  /**
   * Like a browser, sends the request again (same method and form) on a 307, as the portal answers a
   * request that carried a session another request just renewed; `follow307: 0` shows the 307.
   */
  async request(
    method: string,
    path: string,
    form?: Record<string, string | string[]>,
    follow307 = 5,
  ): Promise<{ status: number; location: string | null; body: string; headers: Headers }> {
    const headers: Record<string, string> = { ...this.#headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      body = p.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.base + path, { method, headers, body: body ?? null, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = res.headers.get('location');
    if (res.status === 307 && location && follow307 > 0) {
      await res.arrayBuffer();
      return this.request(method, location, form, follow307 - 1);
    }
    return { status: res.status, location, body: await res.text(), headers: res.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** POSTs a form with the CSRF token of `fromPage` (fetched first). */
  async post(path: string, form: Record<string, string | string[]>, fromPage = '/login') {
    let page = await this.get(fromPage);
    // a new installation sends /login on to /register (create the administrator): its form has a token too
    if (page.status === 302 && page.location?.startsWith('/')) page = await this.get(page.location);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${fromPage} (${page.status})`);
    return this.request('POST', path, { _csrf: token, ...form });
  }
}
