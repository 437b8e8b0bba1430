import { randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { BodySource } from './body.ts';
import { bufferSource, sendBody, sendJson } from './body.ts';
import type { RequestContext } from './context.ts';
import { evaluateRange } from './range.ts';
import type { CdnEtagMode } from './types.ts';

export interface ServeOptions {
  /** which ETag the response carries (default stable: the given etag) */
  etagMode?: CdnEtagMode;
  /** a regular git file: may be gzipped like the Hub's CloudFront does with small text files (docs/hub-protocol.md#small-text-files) */
  compressible?: boolean;
}

/** A 200/206/416 file response with Range and If-Range support (hub direct downloads, resolve-cache, raw, CDN). */
export function serveFile(ctx: RequestContext, source: BodySource, etag: string, headers: OutgoingHttpHeaders, opts: ServeOptions = {}): Promise<void> {
  const { req } = ctx;
  const range = req.headers.range;
  if (range !== undefined) ctx.record.range = range;
  const rawIfRange = req.headers['if-range'];
  const ifRange = Array.isArray(rawIfRange) ? rawIfRange.join(', ') : rawIfRange;
  const mode = opts.etagMode ?? 'stable';
  // the validator an If-Range must match: a per-response ETag never matches a previous response's
  const current = mode === 'stable' ? etag : mode === 'per-response' ? randomBytes(16).toString('hex') : undefined;
  const base: OutgoingHttpHeaders = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ...(current !== undefined ? { ETag: `"${current}"` } : {}),
    ...headers,
  };
  const gzip = ctx.sim.live.settings.gzip;
  if (opts.compressible && gzip && source.size >= gzip.minSize && source.size <= gzip.maxSize && acceptsGzip(req.headers['accept-encoding'])) {
    // compressed on the fly: chunked, no Content-Length, and the Range (if any) ignored
    const whole = gzipSync(source.open(0)(source.size));
    ctx.record.encoding = 'gzip';
    return sendBody(ctx, 200, { ...base, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' }, bufferSource(whole), { fileBody: true, chunked: true });
  }
  // no ETag at all: an If-Range cannot match anything, so the whole body is sent
  const r = evaluateRange(range, ifRange, source.size, current ?? '\0no-etag');
  if (r.kind === 'unsatisfiable') {
    return sendJson(ctx, 416, { error: 'Requested Range Not Satisfiable' }, { ...base, 'Content-Range': `bytes */${source.size}` });
  }
  if (r.kind === 'partial') {
    const headers206 = { ...base, 'Content-Range': `bytes ${r.start}-${r.end}/${source.size}` };
    return sendBody(ctx, 206, headers206, source, { start: r.start, length: r.end - r.start + 1, fileBody: true });
  }
  return sendBody(ctx, 200, base, source, { fileBody: true });
}

/** gzip listed without q=0 (or `*` without q=0 and gzip not refused). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  let star = false;
  for (const part of text.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const ok = q === undefined || Number(q) > 0;
    if (name.trim() === 'gzip') return ok;
    if (name.trim() === '*') star = ok;
  }
  return star;
}
