// What every router of the portal shares: the page renderer, the one error helper and the one id guard.
import type { Response, Router } from 'express';
import { ApiError, type ApiClient } from '../api-client.ts';

export interface RouterDeps {
  api: ApiClient;
  /** The API's base URL without a trailing slash, for the calls that are relayed rather than parsed. */
  apiBase: string;
  /** The PORTAL_SECRET header, when one is set, for those same calls. */
  secretHeader: Record<string, string>;
}

export type Page = (res: Response, view: string, locals: Record<string, unknown>) => void;

export const page: Page = (res, view, locals) => res.render(view, { user: res.locals.user ?? null, error: null, hint: null, ...locals });

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The status the portal answers for an API status: the API's own failure is a bad gateway here. */
export const portalStatus = (apiStatus: number): number => (apiStatus >= 500 ? 502 : apiStatus);

/**
 * The one error helper: a refusal of the API becomes this answer's status (the caller then shows
 * its message); anything else is not ours to handle and goes on to the error pages.
 */
export function apiRefusal(res: Response, err: unknown): ApiError {
  if (!(err instanceof ApiError)) throw err;
  res.status(portalStatus(err.status));
  return err;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one id guard: every `:id` of this router must be a UUID, or the answer is 404 "No such <what>."
 * without asking the API — as JSON for public/app.js (/api/…), as a page otherwise.
 */
export function guardId(router: Router, what: string): void {
  router.param('id', (req, res, next, id) => {
    if (UUID.test(String(id))) return next();
    const message = `No such ${what}.`;
    if (req.originalUrl.startsWith('/api/')) return void res.status(404).json({ message });
    next(new ApiError(404, 'NotFound', message));
  });
}
