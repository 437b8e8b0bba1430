// Request dispatch for the hub and CDN servers: context, stats, latency, status faults, routing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleRepoApi } from './api-routes.ts';
import { pause, sendError, sendJson } from './body.ts';
import { handleCdn, isCdnFileRoute } from './cdn-routes.ts';
import type { RequestContext, SimState } from './context.ts';
import { handleControl } from './control-routes.ts';
import { handleWhoami } from './whoami.ts';
import { handleResolve, handleResolveCache } from './file-routes.ts';
import { viewerOf } from './access.ts';
import { BadRequest, decodeSegment, parseRequestUrl, requestId, safeDecode } from './http-util.ts';
import { LIVE_RATE_LIMITS } from './live.ts';
import { outageHits } from './outage.ts';
import type { Bucket } from './rate-limit.ts';
import { clientIp, rateLimitHeaders } from './rate-limit.ts';
import type { RequestUrl } from './http-util.ts';
import type { RepoType } from './repo-store.ts';
import type { FaultRule, RequestRecord } from './types.ts';

interface Route {
  /** file body GETs are the default target of fault rules without `match` */
  fileGet: boolean;
  /** the rate-limit bucket this request spends, if any */
  bucket?: Bucket;
  run(ctx: RequestContext): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function hubHandler(sim: SimState, urls: { url: string; cdnUrl: string }): Handler {
  return (req, res) => {
    const url = parseRequestUrl(req.url ?? '/');
    if (url.segments[0] === '_sim') {
      void handleControl(req, res, url, sim, urls).catch((err: unknown) => fail(res, err));
      return;
    }
    res.setHeader('X-Request-Id', requestId());
    void dispatch(req, res, url, sim, 'hub', routeHub);
  };
}

export function cdnHandler(sim: SimState): Handler {
  return (req, res) => void dispatch(req, res, parseRequestUrl(req.url ?? '/'), sim, 'cdn', routeCdn);
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestUrl,
  sim: SimState,
  server: 'hub' | 'cdn',
  router: (url: RequestUrl, method: string) => Route | undefined,
): Promise<void> {
  const aborter = new AbortController();
  const record: RequestRecord = {
    server,
    method: req.method ?? 'GET',
    path: safeDecode(url.rawPath),
    url: req.url ?? '/',
    status: 0,
    bytes: 0,
    auth: req.headers.authorization !== undefined,
  };
  res.on('error', () => {});
  res.on('close', () => {
    aborter.abort();
    record.status = res.headersSent ? res.statusCode : 0;
    sim.stats.add(record);
  });
  const ctx: RequestContext = {
    req,
    res,
    url,
    matchText: record.path + (url.rawQuery ? `?${safeDecode(url.rawQuery)}` : ''),
    record,
    sim,
    signal: aborter.signal,
  };
  try {
    if (sim.faults.latencyMs > 0) await pause(sim.faults.latencyMs, ctx.signal);
    if (ctx.signal.aborted) return;
    const outage = sim.faults.outage;
    if (outage?.mode === '503' && outageHits(outage, server)) {
      record.fault = 'outage';
      await sendError(ctx, { status: 503, message: 'Service Unavailable (simulated outage)' });
      return;
    }
    const route = router(url, record.method);
    const rule = sim.faults.takeStatus(ctx.matchText, route?.fileGet === true);
    if (rule) {
      record.fault = 'status';
      await sendStatusFault(ctx, rule, server);
    } else if (route) {
      if (route.bucket && !(await spendQuota(ctx, route.bucket))) return;
      await route.run(ctx);
    } else {
      await sendError(ctx, { status: 404, message: 'Not Found' });
    }
  } catch (err) {
    fail(res, err);
  }
}

function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const bad = err instanceof BadRequest;
  // simulator bugs must look like server errors (5xx), which clients treat as transient
  const message = err instanceof Error ? err.message : String(err);
  if (!bad) console.error('hubsim: internal error', err);
  const body = Buffer.from(JSON.stringify({ error: message }));
  res.writeHead(bad ? 400 : 500, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** Counts the request against its bucket; answers 429 and returns false when the quota is spent. */
async function spendQuota(ctx: RequestContext, bucket: Bucket): Promise<boolean> {
  const limits = ctx.sim.live.settings.rateLimits;
  if (!limits) return true;
  const user = viewerOf(ctx.req, ctx.sim.store.tokens).user;
  const d = ctx.sim.live.limiter.take(limits, bucket, clientIp(ctx.req), user);
  const headers = rateLimitHeaders(d);
  if (d.allowed) {
    for (const [k, v] of Object.entries(headers)) ctx.res.setHeader(k, v);
    return true;
  }
  const who = user ? `user ${user}` : `anonymous clients (per IP)`;
  await sendError(ctx, {
    status: 429,
    message: `Rate limit reached for the "${bucket}" bucket: ${d.quota} requests per ${d.windowSeconds} s for ${who}. Retry in ${d.resetSeconds} s.`,
    headers,
  });
  return false;
}

function sendStatusFault(ctx: RequestContext, rule: FaultRule, server: 'hub' | 'cdn'): Promise<void> {
  const status = rule.status ?? 500;
  const headers: Record<string, string> = {};
  if (status === 429) {
    const retryAfter = rule.retryAfter ?? 1;
    // IETF RateLimit draft headers as the Hub sends them (docs/hub-protocol.md#rate-limits)
    const bucket = ctx.url.rawPath.startsWith('/api/') && server === 'hub' ? 'api' : 'resolvers';
    const limits = ctx.sim.live.settings.rateLimits || LIVE_RATE_LIMITS;
    const quota = limits.anonymous[bucket];
    headers['Retry-After'] = String(retryAfter);
    headers.RateLimit = `"${bucket}";r=0;t=${retryAfter}`;
    headers['RateLimit-Policy'] = `"fixed window";"${bucket}";q=${quota};w=${limits.windowSeconds}`;
  }
  const message = status === 429 ? 'Too Many Requests (simulated)' : `Simulated ${status} (hubsim fault)`;
  return sendError(ctx, { status, message, headers });
}

function repoType(segment: string | undefined): RepoType | undefined {
  return segment === 'models' ? 'model' : segment === 'datasets' ? 'dataset' : undefined;
}

function repoId(ns: string | undefined, name: string | undefined): string | undefined {
  if (!ns || !name) return undefined;
  return `${decodeSegment(ns)}/${decodeSegment(name)}`;
}

function routeHub(url: RequestUrl, method: string): Route | undefined {
  const segs = url.segments;
  const readMethod = method === 'GET' || method === 'HEAD';
  if (segs[0] === 'api') {
    if (segs[1] === 'whoami-v2' && segs.length === 2 && readMethod) return { fileGet: false, bucket: 'api', run: handleWhoami };
    if (segs[1] === 'agent-harnesses' && segs.length === 2 && readMethod) {
      return { fileGet: false, bucket: 'api', run: (ctx) => sendJson(ctx, 200, { standardEnvVars: [], harnesses: {} }) };
    }
    if (segs[1] === 'resolve-cache') {
      const type = repoType(segs[2]);
      const id = repoId(segs[3], segs[4]);
      if (!type || !id || !readMethod) return undefined;
      // the second hop of a resolve: the Hub counts the resolve once
      return { fileGet: method === 'GET', run: (ctx) => handleResolveCache(ctx, type, id, segs.slice(5)) };
    }
    const type = repoType(segs[1]);
    const id = repoId(segs[2], segs[3]);
    if (!type || !id) return undefined;
    return { fileGet: false, bucket: 'api', run: (ctx) => handleRepoApi(ctx, type, id, segs.slice(4)) };
  }
  const typed = segs[0] === 'datasets';
  const base = typed ? 1 : 0;
  const id = repoId(segs[base], segs[base + 1]);
  const mode = segs[base + 2];
  if (!id || (mode !== 'resolve' && mode !== 'raw') || !readMethod) return undefined;
  const type: RepoType = typed ? 'dataset' : 'model';
  return {
    fileGet: method === 'GET',
    ...(mode === 'resolve' ? { bucket: 'resolvers' as const } : {}),
    run: (ctx) => handleResolve(ctx, type, id, segs.slice(base + 3), mode),
  };
}

function routeCdn(url: RequestUrl, method: string): Route | undefined {
  if (!isCdnFileRoute(url.segments) || (method !== 'GET' && method !== 'HEAD')) return undefined;
  return { fileGet: method === 'GET', run: handleCdn };
}
