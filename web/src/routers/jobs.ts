// The jobs list and a job's page, its actions, and the JSON and live stream its page polls (public/app.js).
import { Router } from 'express';
import { DownloadFilesResponseSchema, DownloadSchema, DownloadsResponseSchema } from '@d011dl/contract';
import { ACCESS_COOKIE, forwardedFor } from '../api-client.ts';
import { guardId, page, portalStatus, type RouterDeps } from './shared.ts';

export function jobsRouter({ api, apiBase, secretHeader }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'download');

  router.get('/jobs', async (req, res) => {
    const r = await api.call(req, res, 'GET', '/downloads', DownloadsResponseSchema);
    page(res, 'jobs', { title: 'Jobs', downloads: r.downloads });
  });

  router.get('/jobs/:id', async (req, res) => {
    const id = req.params.id;
    const [d, files] = await Promise.all([
      api.call(req, res, 'GET', `/downloads/${id}`, DownloadSchema),
      api.call(req, res, 'GET', `/downloads/${id}/files`, DownloadFilesResponseSchema).catch(() => ({ files: [] })),
    ]);
    page(res, 'job', { title: `${d.author}/${d.repo}`, d, files: files.files });
  });

  for (const action of ['cancel', 'retry'] as const) {
    router.post(`/jobs/:id/${action}`, async (req, res) => {
      const id = req.params.id;
      await api.call(req, res, 'POST', `/downloads/${id}/${action}`, DownloadSchema, {});
      res.redirect(303, `/jobs/${id}`);
    });
  }

  // JSON for the job page's live updates (polled every second by public/app.js).
  router.get('/api/jobs/:id', async (req, res) => {
    const d = await api.call(req, res, 'GET', `/downloads/${req.params.id}`, DownloadSchema);
    res.set('cache-control', 'no-store').json(d);
  });

  // JSON for the job page's per-file list, refreshed every few seconds while the job runs.
  router.get('/api/jobs/:id/files', async (req, res) => {
    const r = await api.call(req, res, 'GET', `/downloads/${req.params.id}/files`, DownloadFilesResponseSchema);
    res.set('cache-control', 'no-store').json({ files: r.files });
  });

  // Live progress: the API's Server-Sent Events, relayed. The browser's EventSource reconnects by
  // itself with Last-Event-ID, which is passed on; the API then sends the current state.
  router.get('/api/jobs/:id/stream', async (req, res) => {
    const id = req.params.id;
    await api.call(req, res, 'GET', `/downloads/${id}`, DownloadSchema); // checks access, refreshes the session if needed
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${req.cookies[ACCESS_COOKIE]}`, ...secretHeader, ...forwardedFor(req) };
    const last = req.get('last-event-id');
    if (last && /^\d{1,15}$/.test(last)) headers['last-event-id'] = last;
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(`${apiBase}/downloads/${id}/stream`, { headers, signal: ctl.signal });
    } catch {
      return res.status(502).json({ message: 'The D011DL API cannot be reached right now.' });
    }
    if (!upstream.ok || !upstream.body) {
      const body = (await upstream.json().catch(() => null)) as { message?: string } | null;
      return res.status(portalStatus(upstream.status)).json({ message: body?.message ?? `The API answered ${upstream.status}.` });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    try {
      for await (const chunk of upstream.body) {
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      }
    } catch {
      // the browser went away, or the API did: EventSource reconnects
    }
    res.end();
  });

  return router;
}
