// Signed CDN URLs like the live bridge's (docs/hub-protocol.md#signed-urls): S3 presigned (X-Amz-Date + X-Amz-Expires) and/or
// CloudFront canned (Expires + Signature + Key-Pair-Id). Both are an HMAC over the path and the other query
// parameters, so a changed expiry or path is caught; the CDN answers 403 AccessDenied to a bad or expired one.
import { createHmac, randomBytes } from 'node:crypto';
import type { SignedUrlStyle } from './types.ts';

const SIGNATURE_KEYS = ['X-Amz-Signature', 'Signature'];

export class UrlSigner {
  readonly #secret = randomBytes(32);

  /** Adds the signing parameters of `style` to `query` for `path` (the URL's raw path). */
  sign(path: string, query: URLSearchParams, style: Exclude<SignedUrlStyle, 'off'>, ttlSeconds: number, nowMs = Date.now()): URLSearchParams {
    const out = new URLSearchParams(query);
    const now = Math.floor(nowMs / 1000);
    if (style === 'amz' || style === 'both') {
      const stamp = amzDate(now);
      out.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
      out.set('X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD');
      out.set('X-Amz-Credential', `HUBSIMACCESSKEY/${stamp.slice(0, 8)}/us-east-1/s3/aws4_request`);
      out.set('X-Amz-Date', stamp);
      out.set('X-Amz-Expires', String(ttlSeconds));
      out.set('X-Amz-SignedHeaders', 'host');
    }
    if (style === 'cloudfront' || style === 'both') {
      out.set('Expires', String(now + ttlSeconds));
      out.set('Key-Pair-Id', 'KHUBSIM0000000');
    }
    const mac = this.#mac(path, out);
    if (style === 'amz' || style === 'both') out.set('X-Amz-Signature', mac.toString('hex'));
    // CloudFront's base64 with its URL-safe substitutions
    if (style === 'cloudfront' || style === 'both') out.set('Signature', mac.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~'));
    return out;
  }

  /** Why a request to `path?query` must be refused, or undefined when it is signed and current. */
  check(path: string, query: URLSearchParams, nowMs = Date.now()): { reason: 'missing' | 'tampered' | 'expired'; expiredAt?: number } | undefined {
    const amzSig = query.get('X-Amz-Signature');
    const cfSig = query.get('Signature');
    if (amzSig === null && cfSig === null) return { reason: 'missing' };
    const mac = this.#mac(path, query);
    if (amzSig !== null && amzSig !== mac.toString('hex')) return { reason: 'tampered' };
    if (cfSig !== null && cfSig !== mac.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')) return { reason: 'tampered' };
    const expiries: number[] = [];
    const date = query.get('X-Amz-Date');
    if (amzSig !== null) {
      const start = date === null ? NaN : parseAmzDate(date);
      const ttl = Number(query.get('X-Amz-Expires'));
      if (!Number.isFinite(start) || !Number.isFinite(ttl)) return { reason: 'tampered' };
      expiries.push(start + ttl);
    }
    if (cfSig !== null) {
      const epoch = Number(query.get('Expires'));
      if (!Number.isFinite(epoch)) return { reason: 'tampered' };
      expiries.push(epoch);
    }
    const expiresAt = Math.min(...expiries);
    return nowMs / 1000 >= expiresAt ? { reason: 'expired', expiredAt: expiresAt } : undefined;
  }

  #mac(path: string, query: URLSearchParams): Buffer {
    const rest = [...query].filter(([k]) => !SIGNATURE_KEYS.includes(k)).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
    return createHmac('sha256', this.#secret)
      .update(`${path}\n${new URLSearchParams(rest)}`)
      .digest();
  }
}

/** 20260529T120000Z */
function amzDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/** S3/CloudFront's XML error body. */
export function accessDeniedXml(message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${message}</Message>${fields}</Error>`;
}
