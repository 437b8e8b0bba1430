// The LFS "CDN": content-addressed by sha256, no auth, Range support — like cdn-lfs/S3 behind the Hub's 302.
import { lfsSource, sendError } from './body.ts';
import type { RequestContext } from './context.ts';
import { contentDisposition } from './http-util.ts';
import { serveFile } from './serve-file.ts';

export function isCdnFileRoute(segments: string[]): boolean {
  return segments[0] === 'lfs' && /^[0-9a-f]{64}$/.test(segments[1] ?? '');
}

/** GET/HEAD /lfs/{sha256}[/...]?repo=&commit=&path=&expires= — the query is informational only. */
export function handleCdn(ctx: RequestContext): Promise<void> {
  const sha256 = ctx.url.segments[1] ?? '';
  const obj = ctx.sim.store.cdnObject(sha256);
  if (!obj) return sendError(ctx, { status: 404, message: 'Not Found' });
  const q = ctx.url.query;
  const commit = q.get('commit') ?? '';
  const path = q.get('path') ?? sha256;
  return serveFile(ctx, lfsSource(obj.seed, obj.size), sha256, {
    'X-Linked-Etag': `"${sha256}"`,
    'X-Linked-Size': obj.size,
    ...(/^[0-9a-f]{40}$/.test(commit) ? { 'X-Repo-Commit': commit } : {}),
    'Content-Disposition': contentDisposition(path),
    'Cache-Control': 'public, max-age=604800, immutable',
  });
}
