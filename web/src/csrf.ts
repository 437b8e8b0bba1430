// CSRF protection for every POST: a signed double-submit token. Each browser gets a random,
// HTTP-only id cookie; forms carry HMAC(secret, id) in `_csrf`. A cross-site page can make the
// browser send the cookie but can neither read it nor compute the HMAC without the server's secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const CSRF_COOKIE = 'd011dl_csrf';
export const CSRF_FIELD = '_csrf';

export function csrf(secret: string) {
  const sign = (id: string) => createHmac('sha256', secret).update(`csrf:${id}`).digest('base64url');

  /** Gives the request a token (`res.locals.csrfToken`); refuses unsafe methods without a valid one. */
  return function csrfMiddleware(req: Request, res: Response, next: NextFunction): void {
    let id: string | undefined = req.cookies?.[CSRF_COOKIE];
    if (!id || !/^[A-Za-z0-9_-]{20,64}$/.test(id)) {
      id = randomBytes(24).toString('base64url');
      res.cookie(CSRF_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
        refuse(res);
        return;
      }
    }
    const expected = sign(id);
    res.locals.csrfToken = expected;
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      next();
      return;
    }
    const got = (req.body && typeof req.body === 'object' ? req.body[CSRF_FIELD] : undefined) ?? req.get('x-csrf-token');
    if (typeof got !== 'string' || got.length !== expected.length || !timingSafeEqual(Buffer.from(got), Buffer.from(expected))) {
      refuse(res);
      return;
    }
    next();
  };
}

function refuse(res: Response): void {
  res.status(403).render('error', {
    title: 'Form expired',
    message: 'This form has expired or did not come from D011DL. Go back, reload the page and try again.',
    user: null,
  });
}
