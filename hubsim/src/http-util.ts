// Small HTTP helpers. Routing works on the raw, still percent-encoded request target: decoding before
// splitting would turn "refs%2Fpr%2F1" or "sub%2Fdir" into extra path segments.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface RequestUrl {
  rawPath: string;
  rawQuery: string;
  /** raw path segments, still percent-encoded (no leading empty segment) */
  segments: string[];
  query: URLSearchParams;
}

export function parseRequestUrl(target: string): RequestUrl {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  const segments = rawPath.split('/').slice(1);
  return { rawPath, rawQuery, segments, query: new URLSearchParams(rawQuery) };
}

/** Thrown for malformed percent-encoding; answered with 400. */
export class BadRequest extends Error {}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest(`malformed percent-encoding: ${segment}`);
  }
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Header values must be latin1 without control characters; client-supplied text may not be. */
export function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** true/True/1 and false/False/0 (httpx, requests and the JS docs each use a different one). */
export function queryBool(value: string | null | undefined): boolean | undefined {
  if (value == null) return undefined;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0' || v === '') return false;
  return undefined;
}

export function requestId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BadRequest('request body too large');
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

/** `inline; filename*=UTF-8''<enc>; filename="<ascii>";` — the Hub's format; headers cannot carry raw UTF-8. */
export function contentDisposition(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename*=UTF-8''${encodeURIComponent(base)}; filename="${ascii}";`;
}

/** Percent-encodes each segment of a repo path for use in a URL path. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
