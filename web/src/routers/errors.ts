// The portal's answers when something goes wrong: pages for people, JSON for public/app.js (/api/…).
import type { Express, NextFunction, Request, Response } from 'express';
import { ApiError, NeedLogin, SessionJustRenewed } from '../api-client.ts';
import { SELECTION_MAX } from '../format.ts';
import { page, portalStatus } from './shared.ts';

/** A short next step under the API's message, for errors a user can do something about. */
const HINTS: Record<string, string> = {
  GatedRepo: 'Request access on Hugging Face, then add your token under Account (or ask your admin to set HF_TOKEN).',
  InsufficientStorage: 'Select fewer files, or free some space on the NAS, then try again.',
  StorageUnavailable: 'The NAS storage seems not to be mounted: ask your admin to check it, then try again.',
};
export const hintFor = (err: unknown): string | null => (err instanceof ApiError ? (HINTS[err.code] ?? null) : null);

const TOO_LARGE = `That form was too large. Select at most ${SELECTION_MAX.toLocaleString('en-US')} files and folders at once: check whole folders instead of their files, or download in parts.`;

export function tooManySelected(res: Response, n: number, back: string): void {
  res.status(413);
  page(res, 'error', { title: 'Too many items selected', message: `${n.toLocaleString('en-US')} items were selected. ${TOO_LARGE}`, back });
}

export function errorPages(app: Express): void {
  app.use((_req, res) => {
    res.status(404);
    page(res, 'error', { title: 'Not found', message: 'There is no such page.' });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof SessionJustRenewed) {
      // the same request again, method and form kept, now with the cookies of the renewed session
      return res.redirect(307, req.originalUrl);
    }
    if (err instanceof NeedLogin) {
      if (req.path.startsWith('/api/')) return res.status(401).json({ message: 'Your session has ended: log in again.' });
      return res.redirect(303, `/login?${new URLSearchParams({ next: req.method === 'GET' ? req.originalUrl : '/' })}`);
    }
    if (err instanceof ApiError) {
      const status = portalStatus(err.status);
      if (req.path.startsWith('/api/')) return res.status(status).json({ message: err.message, error: err.code, hint: hintFor(err) ?? undefined });
      res.status(status);
      return page(res, 'error', { title: 'Something went wrong', message: err.message, hint: hintFor(err) });
    }
    const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) console.error(err);
    res.status(status);
    if (req.path.startsWith('/api/')) return res.json({ message: status >= 500 ? 'Internal error' : status === 413 ? TOO_LARGE : 'Bad request' });
    // body-parser's 413: more than 10 MB, or more fields than a download form may have
    if (status === 413) return page(res, 'error', { title: 'Too much data', message: TOO_LARGE });
    page(res, 'error', {
      title: status >= 500 ? 'Internal error' : 'Bad request',
      message: status >= 500 ? 'The portal hit an unexpected error. It has been logged; try again.' : 'The request could not be understood.',
    });
  });
}
