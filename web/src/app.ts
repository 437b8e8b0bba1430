// The web portal: Express 5 + EJS. Talks to the API over HTTP only (API_BASE_URL).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Response } from 'express';
import helmet from 'helmet';
import type {
  AuthConfigResponse,
  CreateDownloadResponse,
  Download,
  DownloadFilesResponse,
  DownloadsResponse,
  HealthResponse,
  LoginResponse,
  ModelFilesResponse,
  ModelsResponse,
  ParsedHfUrl,
  RescanResponse,
  RefsResponse,
  TreeEntry,
  TreeResponse,
  User,
} from '@d011dl/contract';
import { adminPages } from './admin-pages.ts';
import { ACCESS_COOKIE, ApiError, clearSessionCookies, createApiClient, forwardedFor, PORTAL_SECRET_HEADER, REFRESH_COOKIE, setSessionCookies } from './api-client.ts';
import { CSRF_FIELD, csrf } from './csrf.ts';
import { errorPages, hintFor, tooManySelected } from './error-pages.ts';

export { hintFor };
import { buildTree, humanBytes, humanDuration, normalizeSelection, SELECTION_MAX, waitingText } from './format.ts';


export interface WebOptions {
  apiBaseUrl: string;
  /** HMAC key of the CSRF tokens; random per process when not given. */
  secret?: string;
  /** Express `trust proxy` (so `req.secure` sees HTTPS behind a reverse proxy). */
  trustProxy?: boolean | string;
  /** One line per request on stdout. */
  accessLog?: boolean;
  /** Shared with the API (PORTAL_SECRET), which then believes the browsers' addresses the portal passes on. */
  portalSecret?: string;
}

const here = import.meta.dirname;
// Trees with more files than this are shown with their folders folded.
export const OPEN_TREE_MAX_FILES = 1000;

export function buildWebApp(opts: WebOptions): express.Express {
  const api = createApiClient(opts.apiBaseUrl, { portalSecret: opts.portalSecret });
  const secretHeader: Record<string, string> = opts.portalSecret ? { [PORTAL_SECRET_HEADER]: opts.portalSecret } : {};
  const apiBase = opts.apiBaseUrl.replace(/\/+$/, '');
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  app.set('views', path.join(here, '..', 'views'));
  app.set('view engine', 'ejs');
  app.locals.humanBytes = humanBytes;
  app.locals.humanDuration = humanDuration;
  app.locals.waitingText = waitingText;
  app.locals.csrfField = CSRF_FIELD;

  if (opts.accessLog) {
    app.use((req, res, next) => {
      const t0 = performance.now();
      res.on('finish', () => console.log(JSON.stringify({ t: new Date().toISOString(), method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - t0) })));
      next();
    });
  }
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Plain HTTP on a LAN is a normal way to run this; do not force https:// for sub-resources.
          upgradeInsecureRequests: null,
          formAction: ["'self'"],
        },
      },
      // Behind plain HTTP HSTS is ignored anyway; behind HTTPS it is what we want.
      strictTransportSecurity: { maxAge: 15552000, includeSubDomains: false },
    }),
  );
  app.use('/static', express.static(path.join(here, '..', 'public'), { maxAge: '1h' }));
  app.use(cookieParser());
  // A download form holds one field per checked file or folder (at most SELECTION_MAX) and a few
  // others; a larger form is refused (413) before it is parsed.
  app.use(express.urlencoded({ extended: false, limit: '10mb', parameterLimit: SELECTION_MAX + 100 }));
  app.use(csrf(opts.secret ?? randomBytes(32).toString('hex')));

  const page = (res: Response, view: string, locals: Record<string, unknown>) => res.render(view, { user: res.locals.user ?? null, error: null, hint: null, ...locals });

  // --- sign in / out -------------------------------------------------------------------------
  const safeNext = (v: unknown) => (typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : '/');
  const authConfig = () => api.anon<AuthConfigResponse>('GET', '/auth/config').catch(() => ({ registration_open: false, setup_required: false }));

  app.get('/login', async (req, res) => {
    const cfg = await authConfig();
    // a new installation: there is nobody to log in as yet
    if (cfg.setup_required) return res.redirect('/register');
    page(res, 'login', { title: 'Log in', mode: 'login', next: safeNext(req.query.next), username: '', registrationOpen: cfg.registration_open, notice: req.query.registered ? 'Account created. Log in with it.' : null });
  });

  app.get('/register', async (req, res) => {
    const cfg = await authConfig();
    if (!cfg.registration_open) return res.redirect('/login');
    page(res, 'login', {
      title: cfg.setup_required ? 'Create the administrator account' : 'Register',
      mode: 'register',
      setup: cfg.setup_required,
      next: '/',
      username: '',
      registrationOpen: true,
      notice: cfg.setup_required ? 'Welcome to D011DL. No account exists yet: the first one you create is the administrator.' : null,
    });
  });

  const str = (v: unknown) => (typeof v === 'string' ? v : '');

  app.post('/login', async (req, res) => {
    const username = str(req.body.username).trim();
    const next = safeNext(req.body.next);
    try {
      const r = await api.anon<LoginResponse>('POST', '/auth/login', { username, password: str(req.body.password) }, req);
      setSessionCookies(req, res, r);
      res.redirect(303, next);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.status(err.status >= 500 ? 502 : err.status);
      page(res, 'login', { title: 'Log in', mode: 'login', next, username, registrationOpen: (await authConfig()).registration_open, error: err.message, notice: null });
    }
  });

  app.post('/register', async (req, res) => {
    const username = str(req.body.username).trim();
    const password = str(req.body.password);
    try {
      await api.anon('POST', '/auth/register', { username, password }, req);
      const r = await api.anon<LoginResponse>('POST', '/auth/login', { username, password }, req);
      setSessionCookies(req, res, r);
      res.redirect(303, '/');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.status(err.status >= 500 ? 502 : err.status);
      page(res, 'login', { title: 'Register', mode: 'register', next: '/', username, registrationOpen: true, error: err.message, notice: null });
    }
  });

  app.post('/logout', async (req, res) => {
    const rt = req.cookies?.[REFRESH_COOKIE];
    if (rt) await api.anon('POST', '/auth/logout', { refresh_token: rt }, req).catch(() => {});
    clearSessionCookies(req, res);
    res.redirect(303, '/login');
  });

  // --- everything below needs a signed-in user -------------------------------------------------
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use(async (req, res, next) => {
    // what a signed-in user sees must not stay in a shared or back-button cache after signing out
    res.set('cache-control', 'no-store');
    res.locals.user = await api.call<User>(req, res, 'GET', '/auth/me');
    next();
  });

  app.get('/', async (req, res) => {
    const url = str(req.query.url).trim();
    let revision = str(req.query.revision).trim();
    const locals: Record<string, unknown> = { title: 'Dashboard', url, parsed: null, refs: null, revision: '', tree: null, fileCount: 0, totalSize: 0, models: [], pathHint: '', freeBytes: null, OPEN_TREE_MAX_FILES };
    if (!url) return page(res, 'dashboard', locals);
    try {
      const parsed = await api.call<ParsedHfUrl>(req, res, 'POST', '/hf/parse-url', { url });
      locals.parsed = parsed;
      revision ||= parsed.revision ?? 'main';
      locals.revision = revision;
      locals.pathHint = parsed.path ?? '';
      const q = new URLSearchParams({ author: parsed.author, repo: parsed.repo });
      const [refs, models, health] = await Promise.all([
        api.call<RefsResponse>(req, res, 'GET', `/hf/refs?${q}&include_prs=true`), // pull requests in the picker too
        api.call<ModelsResponse>(req, res, 'GET', `/db/models?${q}`).catch(() => ({ models: [] })),
        // /healthz answers 503 with the same body when something is down; free space is still useful
        fetch(`${apiBase}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.json() as Promise<HealthResponse>).catch(() => null),
      ]);
      locals.refs = refs;
      locals.models = models.models;
      locals.freeBytes = health?.checks?.storage?.free_bytes ?? null;
      const entries: TreeEntry[] = [];
      let cursor: string | null = null;
      do {
        const tq = new URLSearchParams({ author: parsed.author, repo: parsed.repo, revision, recursive: 'true' });
        if (cursor) tq.set('cursor', cursor);
        const pageOf: TreeResponse = await api.call<TreeResponse>(req, res, 'GET', `/hf/tree?${tq}`);
        entries.push(...pageOf.files);
        cursor = pageOf.next_cursor;
      } while (cursor);
      const tree = buildTree(entries);
      locals.tree = tree;
      locals.fileCount = entries.filter((e) => e.type === 'file').length;
      locals.totalSize = tree.size;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.status(err.status >= 500 ? 502 : err.status);
      locals.error = err.message;
      locals.hint = hintFor(err);
    }
    page(res, 'dashboard', locals);
  });

  app.post('/downloads', async (req, res) => {
    const author = str(req.body.author);
    const repo = str(req.body.repo);
    const revision = str(req.body.revision);
    const raw: unknown = req.body.sel;
    const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
    if (values.length > SELECTION_MAX) return tooManySelected(res, page, values.length, `/?${new URLSearchParams({ url: str(req.body.url), revision })}`);
    const selection = normalizeSelection(
      values.flatMap((v) => {
        const m = /^(file|dir):(.+)$/s.exec(v);
        return m ? [{ type: m[1] as 'file' | 'dir', path: m[2]! }] : [];
      }),
    );
    if (!selection.length) {
      res.status(400);
      return page(res, 'error', { title: 'Nothing selected', message: 'Select at least one file or folder to download, then press "Download selected".', back: `/?${new URLSearchParams({ url: str(req.body.url), revision })}` });
    }
    try {
      const r = await api.call<CreateDownloadResponse>(req, res, 'POST', '/downloads', { author, repo, revision, selection, force: req.body.force === 'true' });
      res.redirect(303, `/jobs/${r.download_id}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      res.status(err.status >= 500 ? 502 : err.status);
      page(res, 'error', { title: 'Download not started', message: err.message, hint: hintFor(err), back: `/?${new URLSearchParams({ url: str(req.body.url), revision })}` });
    }
  });

  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  app.get('/jobs', async (req, res) => {
    const r = await api.call<DownloadsResponse>(req, res, 'GET', '/downloads');
    page(res, 'jobs', { title: 'Jobs', downloads: r.downloads });
  });

  app.get('/jobs/:id', async (req, res) => {
    const id = req.params.id;
    if (!uuid.test(id)) throw new ApiError(404, 'NotFound', 'No such download.');
    const [d, files] = await Promise.all([
      api.call<Download>(req, res, 'GET', `/downloads/${id}`),
      api.call<DownloadFilesResponse>(req, res, 'GET', `/downloads/${id}/files`).catch(() => ({ files: [] })),
    ]);
    page(res, 'job', { title: `${d.author}/${d.repo}`, d, files: files.files });
  });

  // JSON for the job page's live updates (polled every second by public/app.js).
  app.get('/api/jobs/:id', async (req, res) => {
    const id = req.params.id;
    if (!uuid.test(id)) return res.status(404).json({ message: 'No such download.' });
    const d = await api.call<Download>(req, res, 'GET', `/downloads/${id}`);
    res.set('cache-control', 'no-store').json(d);
  });

  // JSON for the job page's per-file list, refreshed every few seconds while the job runs.
  app.get('/api/jobs/:id/files', async (req, res) => {
    const id = req.params.id;
    if (!uuid.test(id)) return res.status(404).json({ message: 'No such download.' });
    const r = await api.call<DownloadFilesResponse>(req, res, 'GET', `/downloads/${id}/files`);
    res.set('cache-control', 'no-store').json({ files: r.files });
  });

  // Live progress: the API's Server-Sent Events, relayed. The browser's EventSource reconnects by
  // itself with Last-Event-ID, which is passed on; the API then sends the current state.
  app.get('/api/jobs/:id/stream', async (req, res) => {
    const id = req.params.id;
    if (!uuid.test(id)) return res.status(404).json({ message: 'No such download.' });
    await api.call<Download>(req, res, 'GET', `/downloads/${id}`); // checks access, refreshes the session if needed
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
      return res.status(upstream.status >= 500 ? 502 : upstream.status).json({ message: body?.message ?? `The API answered ${upstream.status}.` });
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

  app.get('/models', async (req, res) => {
    const author = str(req.query.author).trim();
    const repo = str(req.query.repo).trim();
    const status = str(req.query.status);
    const q = new URLSearchParams();
    if (author) q.set('author', author);
    if (repo) q.set('repo', repo);
    if (status === 'downloaded') q.set('downloaded', 'true');
    if (status === 'incomplete') q.set('downloaded', 'false');
    const r = await api.call<ModelsResponse>(req, res, 'GET', `/db/models?${q}`);
    const groups = new Map<string, typeof r.models>();
    for (const m of r.models) {
      const key = `${m.author}/${m.repo}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    page(res, 'models', { title: 'Models', groups: [...groups].sort(([a], [b]) => a.localeCompare(b)), author, repo, status, notice: str(req.query.notice) || null });
  });

  app.post('/models/:id/rescan', async (req, res) => {
    const id = String(req.params.id);
    if (!uuid.test(id)) throw new ApiError(404, 'NotFound', 'No such model.');
    const r = await api.call<RescanResponse>(req, res, 'POST', '/db/rescan', { model_id: id });
    const notice = `Rescanned: ${r.files_checked} ${r.files_checked === 1 ? 'file' : 'files'} checked, ${r.present} present, ${r.missing} missing, ${r.mismatched} mismatched.`;
    res.redirect(303, `/models?${new URLSearchParams({ notice })}`);
  });

  app.post('/models/:id/retry', async (req, res) => {
    const id = String(req.params.id);
    if (!uuid.test(id)) throw new ApiError(404, 'NotFound', 'No such model.');
    const m = (await api.call<ModelsResponse>(req, res, 'GET', '/db/models')).models.find((x) => x.id === id);
    if (!m) throw new ApiError(404, 'NotFound', 'No such model.');
    // Fetch again only the files that are not done (failed, missing or never finished).
    const files = (await api.call<ModelFilesResponse>(req, res, 'GET', `/db/models/${id}/files`)).files.filter((f) => f.status !== 'done');
    if (!files.length) return res.redirect(303, `/models?${new URLSearchParams({ notice: `${m.author}/${m.repo}@${m.revision}: every file is already downloaded.` })}`);
    const r = await api.call<CreateDownloadResponse>(req, res, 'POST', '/downloads', { author: m.author, repo: m.repo, revision: m.revision, selection: files.map((f) => ({ path: f.path, type: 'file' as const })) });
    res.redirect(303, `/jobs/${r.download_id}`);
  });

  for (const action of ['cancel', 'retry'] as const) {
    app.post(`/jobs/:id/${action}`, async (req, res) => {
      const id = String(req.params.id);
      if (!uuid.test(id)) throw new ApiError(404, 'NotFound', 'No such download.');
      await api.call(req, res, 'POST', `/downloads/${id}/${action}`, {});
      res.redirect(303, `/jobs/${id}`);
    });
  }

  adminPages(app, { api, page });
  errorPages(app, page);

  return app;
}
