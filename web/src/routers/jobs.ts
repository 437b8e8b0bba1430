// The jobs list and a job's page, its actions, and the JSON and live stream their pages read
// (public/jobs.js, public/joblist.js).
import { Router, type Request, type Response } from 'express';
import {
  BandwidthStatusSchema,
  describeBandwidth,
  describeFiles,
  DownloadFilesResponseSchema,
  DownloadSchema,
  DownloadsResponseSchema,
  type Download,
  formatSpeed,
  UserSchema,
} from '@d011dl/contract';
import { ACCESS_COOKIE, forwardedFor, type ApiClient } from '../api-client.ts';
import { guardId, page, portalStatus, str, type RouterDeps } from './shared.ts';

/** The jobs list's filters: which statuses each one shows. */
export const JOB_FILTERS: Record<string, readonly string[]> = {
  running: ['queued', 'running'],
  paused: ['canceled'],
  failed: ['failed'],
  done: ['succeeded'],
};

// How many rows of the list get a "what it holds" (one files call per new job, then remembered).
const HOLDS_ROWS = 100;
const HOLDS_CACHE_MAX = 5000;

/** A job's list row: the job without its log, with what it holds ("Q4_K_M + README"). */
export type JobRow = Omit<Download, 'log'> & { holds: string | null };

/**
 * "What a job holds" from its file list. A job's files are fixed when it is created, so the answer
 * is remembered per job id: the list, refreshed every 2 s, asks the API only about new jobs. The
 * cache is only read for jobs the API just listed for this user, so it tells nobody anything new.
 */
function holdsOf(api: ApiClient) {
  const cache = new Map<string, string>();
  return async function rows(req: Request, res: Response, downloads: Download[]): Promise<JobRow[]> {
    // when the list call just renewed the session, this request's token is the old one: ask next time
    const renewed = res.getHeader('set-cookie') !== undefined;
    const missing = renewed ? [] : downloads.slice(0, HOLDS_ROWS).filter((d) => !cache.has(d.id));
    // a few at a time: a first visit to a long list must not flood the API
    for (let i = 0; i < missing.length; i += 6) {
      await Promise.all(
        missing.slice(i, i + 6).map(async (d) => {
          const r = await api.call(req, res, 'GET', `/downloads/${d.id}/files`, DownloadFilesResponseSchema).catch(() => null);
          if (!r || r.files.length === 0) return; // not known yet: asked again next time
          cache.set(d.id, describeFiles(r.files.map((f) => f.path)));
          if (cache.size > HOLDS_CACHE_MAX) cache.delete(cache.keys().next().value!);
        }),
      );
    }
    return downloads.map(({ log: _log, ...d }) => ({ ...d, holds: cache.get(d.id) ?? null }));
  };
}

const filterOf = (req: Request): string => (str(req.query.show) in JOB_FILTERS ? str(req.query.show) : '');

// Where an action from the jobs list or the dashboard's strip leads back to (never elsewhere).
const BACK = /^\/(?:jobs(?:\?show=(?:running|paused|failed|done))?)?$/;

export function jobsRouter({ api, apiBase, secretHeader }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'download');
  const rows = holdsOf(api);

  const listed = async (req: Request, res: Response): Promise<JobRow[]> => {
    const r = await api.call(req, res, 'GET', '/downloads', DownloadsResponseSchema);
    const show = JOB_FILTERS[filterOf(req)];
    return rows(req, res, show ? r.downloads.filter((d) => show.includes(d.status)) : r.downloads);
  };

  router.get('/jobs', async (req, res) => {
    page(res, 'jobs', { title: 'Jobs', downloads: await listed(req, res), show: filterOf(req) });
  });

  // JSON for the jobs list and the dashboard's "running now" strip, polled every 2 s (public/joblist.js).
  router.get('/api/jobs', async (req, res) => {
    res.set('cache-control', 'no-store').json({ downloads: await listed(req, res) });
  });

  router.get('/jobs/:id', async (req, res) => {
    const id = req.params.id;
    const [d, files, bandwidth] = await Promise.all([
      api.call(req, res, 'GET', `/downloads/${id}`, DownloadSchema),
      api.call(req, res, 'GET', `/downloads/${id}/files`, DownloadFilesResponseSchema).catch(() => ({ files: [] })),
      // "limited to 20 MB/s until 00:00": a page without it is still the job's page
      api.call(req, res, 'GET', '/bandwidth', BandwidthStatusSchema).catch(() => null),
    ]);
    page(res, 'job', { title: `${d.author}/${d.repo}`, d, files: files.files, bandwidth: bandwidth && describeBandwidth(bandwidth, formatSpeed) });
  });

  // JSON for the job page's bandwidth line (public/jobs.js), refreshed while the job runs.
  router.get('/api/bandwidth', async (req, res) => {
    res.set('cache-control', 'no-store').json(await api.call(req, res, 'GET', '/bandwidth', BandwidthStatusSchema));
  });

  // cancel keeps the partial files and retry resumes them: the pages call them Pause and Resume
  for (const action of ['cancel', 'retry'] as const) {
    router.post(`/jobs/:id/${action}`, async (req, res) => {
      const id = req.params.id;
      await api.call(req, res, 'POST', `/downloads/${id}/${action}`, DownloadSchema, {});
      const back = str(req.body?.back);
      res.redirect(303, BACK.test(back) ? back : `/jobs/${id}`);
    });
  }

  // JSON for the job page's live updates (polled while it runs by public/jobs.js).
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
  // watchClose() runs before the route's first await: a browser that leaves while the session is checked
  // must not leave an endless upstream stream behind (nothing would ever close it).
  const watchClose = (res: Response) => {
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    return ctl;
  };
  const relayEvents = async (req: Request, res: Response, upstreamPath: string, ctl: AbortController) => {
    if (ctl.signal.aborted) return;
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: `Bearer ${req.cookies[ACCESS_COOKIE]}`,
      ...secretHeader,
      ...forwardedFor(req),
    };
    const last = req.get('last-event-id');
    if (last && /^\d{1,15}$/.test(last)) headers['last-event-id'] = last;
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(`${apiBase}${upstreamPath}`, { headers, signal: ctl.signal });
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
        if (!res.write(chunk)) {
          await new Promise((r) => {
            res.once('drain', r);
            res.once('close', r);
          });
        }
      }
    } catch {
      // the browser went away, or the API did: EventSource reconnects
    }
    res.end();
  };

  // the jobs list and the dashboard's strip: one event whenever any of my downloads changes
  router.get('/api/jobs-events', async (req, res) => {
    const ctl = watchClose(res);
    await api.call(req, res, 'GET', '/auth/me', UserSchema); // checks the session, refreshes it if needed
    await relayEvents(req, res, '/downloads/events', ctl);
  });

  router.get('/api/jobs/:id/stream', async (req, res) => {
    const id = req.params.id;
    const ctl = watchClose(res);
    await api.call(req, res, 'GET', `/downloads/${id}`, DownloadSchema); // checks access, refreshes the session if needed
    await relayEvents(req, res, `/downloads/${id}/stream`, ctl);
  });

  return router;
}
