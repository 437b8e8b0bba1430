// Signed download links (the Hub's 302 to its CDN) expire after an hour: when, and whether to renew now.

// a signed link is renewed through the Hub this long before it expires (at most a quarter of its life)
const RENEW_MARGIN_MS = 60_000;

/** When a signed link (S3 X-Amz-Date + X-Amz-Expires, or CloudFront Expires) stops working, if it says. */
export function urlExpiresAt(url: string): number | undefined {
  let q: URLSearchParams;
  try {
    q = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const amzDate = q.get('X-Amz-Date');
  const amzExpires = q.get('X-Amz-Expires');
  if (amzDate && amzExpires && /^\d+$/.test(amzExpires)) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + Number(amzExpires) * 1000;
  }
  const expires = q.get('Expires');
  if (expires && /^\d{9,11}$/.test(expires)) return Number(expires) * 1000;
  return undefined;
}

export function expiresSoon(url: string): boolean {
  const at = urlExpiresAt(url);
  if (at === undefined) return false;
  const amzExpires = Number(new URL(url).searchParams.get('X-Amz-Expires') ?? NaN);
  const margin = Number.isFinite(amzExpires) ? Math.min(RENEW_MARGIN_MS, (amzExpires * 1000) / 4) : RENEW_MARGIN_MS;
  return Date.now() >= at - margin;
}

/** A link that carries a signature: a 403 from it means "expired", not "no access". */
export function urlLooksSigned(url: string): boolean {
  const q = new URL(url).searchParams;
  return q.has('X-Amz-Signature') || q.has('Signature') || q.has('Expires') || q.has('X-Amz-Expires');
}
