import type { OutgoingHttpHeaders } from 'node:http';
import type { BodySource } from './body.ts';
import { sendBody, sendJson } from './body.ts';
import type { RequestContext } from './context.ts';
import { evaluateRange } from './range.ts';

/** A 200/206/416 file response with Range and If-Range support (hub direct downloads, resolve-cache, raw, CDN). */
export function serveFile(ctx: RequestContext, source: BodySource, etag: string, headers: OutgoingHttpHeaders): Promise<void> {
  const { req } = ctx;
  const range = req.headers.range;
  if (range !== undefined) ctx.record.range = range;
  const rawIfRange = req.headers['if-range'];
  const ifRange = Array.isArray(rawIfRange) ? rawIfRange.join(', ') : rawIfRange;
  const base: OutgoingHttpHeaders = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: `"${etag}"`,
    ...headers,
  };
  const r = evaluateRange(range, ifRange, source.size, etag);
  if (r.kind === 'unsatisfiable') {
    return sendJson(ctx, 416, { error: 'Requested Range Not Satisfiable' }, { ...base, 'Content-Range': `bytes */${source.size}` });
  }
  if (r.kind === 'partial') {
    const headers206 = { ...base, 'Content-Range': `bytes ${r.start}-${r.end}/${source.size}` };
    return sendBody(ctx, 206, headers206, source, { start: r.start, length: r.end - r.start + 1, fileBody: true });
  }
  return sendBody(ctx, 200, base, source, { fileBody: true });
}
