// The LFS "CDN": content-addressed by sha256, no auth, Range support — like the Xet bridge/CloudFront behind the
// Hub's 302. Like the live one it carries no X-Linked-*/X-Repo-Commit (identity lives on the Hub's hop), checks
// the URL's signature and expiry, and refuses oversized plain GETs.
import { bufferSource, lfsSource, sendBody } from './body.ts';
import type { RequestContext } from './context.ts';
import { contentDisposition } from './http-util.ts';
import { serveFile } from './serve-file.ts';
import { accessDeniedXml } from './signed-url.ts';

export function isCdnFileRoute(segments: string[]): boolean {
  return segments[0] === 'lfs' && /^[0-9a-f]{64}$/.test(segments[1] ?? '');
}

const GB = 1e9;

/** GET/HEAD /lfs/{sha256}?repo=&commit=&path=&<signature> */
export function handleCdn(ctx: RequestContext): Promise<void> {
  const live = ctx.sim.live.settings;
  if (live.signedUrls !== 'off') {
    const bad = ctx.sim.signer.check(ctx.url.rawPath, ctx.url.query);
    if (bad) {
      const message = bad.reason === 'expired' ? 'Request has expired' : 'Access Denied';
      const extra: Record<string, string> = bad.expiredAt
        ? { Expires: new Date(bad.expiredAt * 1000).toISOString(), ServerTime: new Date().toISOString() }
        : {};
      return sendXml(ctx, 403, accessDeniedXml(message, extra));
    }
  }
  const sha256 = ctx.url.segments[1] ?? '';
  const obj = ctx.sim.store.cdnObject(sha256);
  if (!obj) return sendXml(ctx, 404, s3Error('NoSuchKey', 'The specified key does not exist.'));
  if (live.bridgeMaxSize !== false && obj.size > live.bridgeMaxSize) {
    return sendXml(
      ctx,
      400,
      badRequestXml(
        `The file is ${(obj.size / GB).toFixed(1)} GB: the download bridge serves files up to ${(live.bridgeMaxSize / GB).toFixed(1)} GB; larger ones need the Xet protocol (hf_xet).`,
      ),
    );
  }
  if (live.maxPlainGetSize !== false && obj.size > live.maxPlainGetSize && ctx.req.method === 'GET' && ctx.req.headers.range === undefined) {
    return sendXml(ctx, 400, badRequestXml(`A GET without Range of a file over ${(live.maxPlainGetSize / GB).toFixed(1)} GB is refused; request byte ranges.`));
  }
  const path = ctx.url.query.get('path') ?? sha256;
  return serveFile(
    ctx,
    lfsSource(obj.seed, obj.size),
    sha256,
    { 'Content-Disposition': contentDisposition(path), 'Cache-Control': 'public, max-age=604800, immutable' },
    { etagMode: live.cdnEtag },
  );
}

function badRequestXml(message: string): string {
  return s3Error('InvalidRequest', message);
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** S3/CloudFront errors: an XML body, no X-Error-* headers (those are the Hub's). */
function sendXml(ctx: RequestContext, status: number, xml: string): Promise<void> {
  return sendBody(ctx, status, { 'Content-Type': 'application/xml' }, bufferSource(Buffer.from(xml)));
}
