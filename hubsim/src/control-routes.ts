// /_sim/*: fault knobs, stats and content changes over HTTP, for benchmarks and tests whose client
// runs in another process. Never faulted, delayed or counted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimState } from './context.ts';
import { readBody } from './http-util.ts';
import type { RequestUrl } from './http-util.ts';

function reply(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString('utf8').trim();
  const value: unknown = text === '' ? {} : JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('body must be a JSON object');
  return value as Record<string, unknown>;
}

function str(body: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new TypeError(`"${key}" is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new TypeError(`"${key}" must be a string`);
  return v;
}

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestUrl,
  sim: SimState,
  urls: { url: string; cdnUrl: string },
): Promise<void> {
  const what = url.segments.slice(1).join('/');
  const method = req.method ?? 'GET';
  try {
    if (what === 'faults') {
      if (method === 'GET') return reply(res, 200, sim.faults.get());
      if (method === 'POST' || method === 'PUT') {
        sim.faults.set(await jsonBody(req));
        return reply(res, 200, sim.faults.get());
      }
      if (method === 'PATCH') {
        sim.faults.update(await jsonBody(req));
        return reply(res, 200, sim.faults.get());
      }
      if (method === 'DELETE') {
        sim.faults.reset();
        return reply(res, 200, sim.faults.get());
      }
    }
    if (what === 'live') {
      if (method === 'GET') return reply(res, 200, sim.live.get());
      if (method === 'POST' || method === 'PUT') {
        sim.live.set(await jsonBody(req));
        return reply(res, 200, sim.live.get());
      }
      if (method === 'PATCH') {
        sim.live.update(await jsonBody(req));
        return reply(res, 200, sim.live.get());
      }
      if (method === 'DELETE') {
        sim.live.reset();
        return reply(res, 200, sim.live.get());
      }
    }
    if (what === 'live/rate-limits' && method === 'DELETE') {
      sim.live.resetRateLimits();
      return reply(res, 200, { ok: true });
    }
    if (what === 'stats') {
      if (method === 'GET') {
        const withRequests = url.query.get('requests') !== '0';
        return reply(res, 200, {
          bytesServed: sim.stats.bytesServed(),
          requestCount: sim.stats.requests.length,
          ...(withRequests ? { requests: sim.stats.requests } : {}),
        });
      }
      if (method === 'DELETE') {
        sim.stats.reset();
        return reply(res, 200, { ok: true });
      }
    }
    if (what === 'mutate' && method === 'POST') {
      const body = await jsonBody(req);
      sim.store.mutate(str(body, 'repo', true) ?? '', str(body, 'path', true) ?? '', str(body, 'seed', false), str(body, 'revision', false));
      return reply(res, 200, { ok: true });
    }
    if (what === 'advance' && method === 'POST') {
      const body = await jsonBody(req);
      const path = str(body, 'path', false);
      const text = str(body, 'text', false);
      const sha = sim.store.advance(str(body, 'repo', true) ?? '', str(body, 'branch', true) ?? '', {
        ...(path !== undefined ? { path } : {}),
        ...(text !== undefined ? { text } : {}),
      });
      return reply(res, 200, { sha });
    }
    if (what === 'health' && method === 'GET') return reply(res, 200, { ok: true, ...urls });
    return reply(res, 404, { error: `unknown control route ${method} /_sim/${what}` });
  } catch (err) {
    return reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
  }
}
