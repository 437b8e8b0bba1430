// Ranged GETs of a file: redirects followed by hand so the token only ever goes to the Hub's origin,
// and every answer sorted into "stream it", "wait and retry", "content changed" or "give up".
// A little over 300 lines on purpose: the answer sorting is one table of HTTP cases, kept in one place
// so that no status is handled twice; the wire itself is in lean-http.ts and lean-conn.ts.
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { closeLeanConnections, LeanBody, leanGet, LeanUnsupported } from './lean-http.ts';
import { urlLooksSigned } from './signed-link.ts';
import { refusedRedirect } from './private-address.ts';

type BodyStream = Readable | LeanBody;
type Headers = Dispatcher.ResponseData['headers'];

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 5;
const ERROR_BODY_LIMIT = 64 * 1024;

let sharedAgent: Agent | undefined;

/**
 * One keep-alive Agent for all downloads of the process (a Pool per origin, unlimited connections:
 * concurrency is bounded by the engine). The timeouts are a backstop; each request sets its own.
 */
export function engineAgent(): Agent {
  sharedAgent ??= new Agent({
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: 15_000 },
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
  });
  return sharedAgent;
}

/** Closes the shared Agent's idle connections (server shutdown); a later download opens a new one. */
export async function closeEngineAgent(): Promise<void> {
  const agent = sharedAgent;
  sharedAgent = undefined;
  closeLeanConnections();
  await agent?.close();
}

export interface RangeRequest {
  /** the resolve URL, or a CDN URL a previous chain ended at */
  url: string;
  /** the URL came from an earlier chain (a CDN URL that may have expired) */
  cached: boolean;
  start: number;
  /** exclusive */
  end: number;
  /** the Hub's strong ETag of the bytes already on disk, for If-Range (sent to the Hub's origin only) */
  ifRange?: string;
}

export interface RangeResponse {
  status: 200 | 206;
  /** offset of the first body byte in the file */
  start: number;
  /** file size announced by Content-Range (206) or Content-Length (200) */
  total: number | undefined;
  /** body length announced by Content-Length */
  length: number | undefined;
  /** the final server's strong ETag when that server is the Hub itself: what If-Range may carry */
  validator: string | undefined;
  /** content identity from the Hub: X-Linked-Etag along the chain, else the ETag of a body the Hub served (normalised); never a CDN's ETag */
  identity: string | undefined;
  /** the URL that answered (reused for later ranges so the resolver is not asked again) */
  finalUrl: string;
  body: BodyStream;
}

export type HttpFailureKind = 'retry' | 'rate-limit' | 'permanent' | 'stale-url' | 'unsatisfiable';

export class HttpFailure extends Error {
  readonly kind: HttpFailureKind;
  readonly status: number | undefined;
  /** server-requested wait (Retry-After / RateLimit), ms */
  readonly waitMs: number | undefined;
  constructor(kind: HttpFailureKind, message: string, status?: number, waitMs?: number) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.waitMs = waitMs;
  }
}

export interface ClientConfig {
  hubOrigin: string;
  token: string | undefined;
  dispatcher: Dispatcher;
  /** plain GETs go through lean-http.ts (no proxy or custom dispatcher configured) */
  lean: boolean;
  userAgent: string;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  waitFromHeaders(h: Headers): number | undefined;
}

export function normalizeEtag(v: string | undefined): string | undefined {
  if (!v) return undefined;
  return v.replace(/^W\//, '').replace(/^"|"$/g, '');
}

const one = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Sends the request, following at most five redirects. Throws HttpFailure, or the signal's reason. */
export async function openRange(req: RangeRequest, cfg: ClientConfig, signal: AbortSignal): Promise<RangeResponse> {
  let url = req.url;
  let linkedEtag: string | undefined;
  for (let hop = 0; ; hop++) {
    const target = new URL(url);
    const headers: Record<string, string> = {
      'user-agent': cfg.userAgent,
      'accept-encoding': 'identity',
      range: `bytes=${req.start}-${req.end - 1}`,
    };
    const atHub = target.origin === cfg.hubOrigin;
    // a CDN's validators are absent or differ per response: If-Range there would throw good bytes away
    if (req.ifRange && atHub) headers['if-range'] = req.ifRange;
    // the token goes to the Hub only: a CDN (another host) must never see it
    if (cfg.token && atHub) headers.authorization = `Bearer ${cfg.token}`;

    let res: { statusCode: number; headers: Headers; body: BodyStream };
    try {
      res = await get(target, headers, cfg, signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new HttpFailure('retry', `request to ${target.host} failed: ${networkText(err)}`);
    }
    const h = res.headers;
    if (atHub) linkedEtag ??= normalizeEtag(one(h, 'x-linked-etag'));
    const status = res.statusCode;

    if (REDIRECTS.has(status)) {
      await discard(res.body);
      const location = one(h, 'location');
      if (!location) throw new HttpFailure('retry', `${target.host} answered ${status} without a Location`, status);
      if (hop + 1 >= MAX_HOPS) throw new HttpFailure('permanent', `too many redirects (more than ${MAX_HOPS - 1}) from ${new URL(req.url).host}`, status);
      url = new URL(location, target).href;
      const refused = await refusedRedirect(new URL(url), cfg.hubOrigin);
      if (refused) throw new HttpFailure('permanent', `refusing ${refused} from ${target.host}`, status);
      continue;
    }
    if (status === 200 || status === 206) {
      const etag = one(h, 'etag');
      const length = toInt(one(h, 'content-length'));
      let start = 0;
      let total = length;
      if (status === 206) {
        const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/.exec(one(h, 'content-range') ?? '');
        if (!m) {
          await discard(res.body);
          throw new HttpFailure('retry', `${target.host} answered 206 without a usable Content-Range`, status);
        }
        start = Number(m[1]);
        total = m[3] === '*' ? undefined : Number(m[3]);
      }
      const encoding = (one(h, 'content-encoding') ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity' && encoding !== '') {
        // asked for identity and got gzip anyway (a CDN may do that to small text files): the whole file,
        // decoded, over one connection; its size is checked by what arrives
        const decoded = decoder(encoding);
        // lean-http.ts streams only identity bodies: an encoded one is a Readable
        if (!decoded || res.body instanceof LeanBody) {
          await discard(res.body);
          throw new HttpFailure('permanent', `${target.host} sent the file with an unsupported Content-Encoding "${encoding}"`, status);
        }
        return {
          status: 200,
          start: 0,
          total: undefined,
          length: undefined,
          validator: undefined,
          identity: linkedEtag,
          finalUrl: url,
          body: res.body.pipe(decoded) as unknown as BodyStream,
        };
      }
      return {
        status,
        start,
        total,
        length,
        validator: atHub && etag && !etag.startsWith('W/') ? etag : undefined,
        identity: linkedEtag ?? (atHub ? normalizeEtag(etag) : undefined),
        finalUrl: url,
        body: res.body,
      };
    }

    const text = await readSmall(res.body);
    const wait = cfg.waitFromHeaders(h);
    if (status === 429) throw new HttpFailure('rate-limit', `${target.host} is rate-limiting downloads (429)`, status, wait);
    if (status === 408 || status >= 500) {
      throw new HttpFailure('retry', `${target.host} answered ${status}${hubMessage(h, text) ? `: ${hubMessage(h, text)}` : ''}`, status, wait);
    }
    if (status === 416) throw new HttpFailure('unsatisfiable', `${target.host} answered 416 for bytes ${req.start}-${req.end - 1}`, status);
    if (status >= 400) {
      // a signed CDN link that expired (403 from the CDN host, not the Hub's GatedRepo 403): resolve again
      if (!atHub && (req.cached || (status === 403 && urlLooksSigned(url)))) {
        throw new HttpFailure('stale-url', `${target.host} answered ${status} for a download link obtained earlier`, status);
      }
      if (status === 400 && !atHub) {
        throw new HttpFailure(
          'permanent',
          `${target.host} refused to serve the file (400)${hubMessage(h, text) ? `: ${hubMessage(h, text)}` : ''}; files beyond the bridge's size limit (around 50 GB without a Range, a few hundred GB at all) need the Xet protocol (hf_xet)`,
          status,
        );
      }
      throw new HttpFailure('permanent', refusal(status, h, text, target.origin === cfg.hubOrigin), status);
    }
    throw new HttpFailure('retry', `${target.host} answered an unexpected ${status}`, status);
  }
}

async function get(
  target: URL,
  headers: Record<string, string>,
  cfg: ClientConfig,
  signal: AbortSignal,
): Promise<{ statusCode: number; headers: Headers; body: BodyStream }> {
  if (cfg.lean && (target.protocol === 'http:' || target.protocol === 'https:')) {
    try {
      return await leanGet(target, headers, signal, cfg.headersTimeoutMs, ERROR_BODY_LIMIT);
    } catch (err) {
      // a body the lean client does not read (no length, or big and chunked): undici asks again
      if (!(err instanceof LeanUnsupported)) throw err;
    }
  }
  return request(target, {
    method: 'GET',
    headers,
    dispatcher: cfg.dispatcher,
    signal,
    headersTimeout: cfg.headersTimeoutMs,
    bodyTimeout: cfg.bodyTimeoutMs,
  });
}

function refusal(status: number, h: Headers, text: string, fromHub: boolean): string {
  const code = one(h, 'x-error-code');
  const msg = hubMessage(h, text);
  const who = fromHub ? 'Hugging Face' : 'the download server';
  return `${who} refused the download (${status}${code ? ` ${code}` : ''})${msg ? `: ${msg}` : ''}`;
}

/** The Hub's explanation: X-Error-Message, else the JSON body's error fields, else a short text body. */
export function hubMessage(h: Headers, body: string): string {
  const header = one(h, 'x-error-message')?.trim();
  if (header) return header;
  const type = one(h, 'content-type') ?? '';
  if (type.includes('json')) {
    try {
      const j = JSON.parse(body) as Record<string, unknown>;
      const parts: string[] = [];
      const err = j.error;
      if (typeof err === 'string') parts.push(err);
      else if (Array.isArray(err)) parts.push(...err.map(String));
      if (typeof j.error_description === 'string') parts.push(j.error_description);
      if (Array.isArray(j.errors)) parts.push(...j.errors.map((e) => String((e as { message?: unknown }).message ?? e)));
      if (!parts.length && typeof j.message === 'string') parts.push(j.message);
      return parts.join('; ');
    } catch {
      return '';
    }
  }
  if (type.startsWith('text/plain') && body.length < 500) return body.trim();
  return '';
}

function decoder(encoding: string): NodeJS.ReadWriteStream | undefined {
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  if (encoding === 'br') return createBrotliDecompress();
  return undefined;
}

function toInt(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

async function discard(body: BodyStream): Promise<void> {
  try {
    if ('dump' in body && typeof body.dump === 'function') await (body as Dispatcher.ResponseData['body']).dump({ limit: ERROR_BODY_LIMIT });
    else body.destroy();
  } catch {
    // the connection is dropped instead of reused: harmless
  }
}

async function readSmall(body: BodyStream): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  if (body instanceof LeanBody) {
    body.destroy();
    return '';
  }
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= ERROR_BODY_LIMIT) {
        body.destroy();
        break;
      }
    }
  } catch {
    // a broken error body still leaves the status and headers to report
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
}

export function networkText(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code;
  const msg = e?.cause?.message && e.message === 'fetch failed' ? e.cause.message : (e?.message ?? String(err));
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}
