// The web portal: Express 5 + EJS. Talks to the API over HTTP only (API_BASE_URL). This file only
// composes: the pages live in routers/ (auth, browse, jobs, models, admin; errors last).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express from 'express';
import helmet from 'helmet';
import {
  averageSpeed,
  describeFiles,
  elapsedSeconds,
  fileState,
  formatSpeed,
  formatWhen,
  jobAction,
  jobKindLabel,
  jobOwner,
  jobTokenLabel,
  logTail,
  statusLabel,
  UserSchema,
} from '@d011dl/contract';
import { createApiClient, PORTAL_SECRET_HEADER } from './api-client.ts';
import { CSRF_FIELD, csrf } from './csrf.ts';
import { humanBytes, humanDuration, pathHtml, SELECTION_MAX, waitingText } from './format.ts';
import { sharedAssets } from './shared-assets.ts';
import { tokensRouter } from './routers/tokens.ts';
import { auditRouter } from './routers/audit.ts';
import { accountRouter } from './routers/account.ts';
import { webhooksRouter } from './routers/webhooks.ts';
import { adminRouter } from './routers/admin.ts';
import { authRouter } from './routers/auth.ts';
import { browseRouter } from './routers/browse.ts';
import { errorPages, hintFor } from './routers/errors.ts';
import { jobsRouter } from './routers/jobs.ts';
import { libraryRouter } from './routers/library.ts';
import { modelsRouter } from './routers/models.ts';
import { settingsRouter } from './routers/settings.ts';
import { updatesRouter } from './routers/updates.ts';
import type { RouterDeps } from './routers/shared.ts';

export { hintFor };
export { OPEN_TREE_MAX_FILES } from './routers/browse.ts';

export interface WebOptions {
  apiBaseUrl: string;
  /** HMAC key of the CSRF tokens; random per process when not given. */
  secret?: string | undefined;
  /** Express `trust proxy` (so `req.secure` sees HTTPS behind a reverse proxy). */
  trustProxy?: boolean | string | undefined;
  /** One line per request on stdout. */
  accessLog?: boolean;
  /** Shared with the API (PORTAL_SECRET), which then believes the browsers' addresses the portal passes on. */
  portalSecret?: string | undefined;
}

const here = import.meta.dirname;

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
  app.locals.pathHtml = pathHtml;
  // the job pages' words, as public/jobs.js uses them (contract/src/jobs.ts)
  app.locals.jobs = {
    averageSpeed,
    describeFiles,
    elapsedSeconds,
    fileState,
    formatSpeed,
    formatWhen,
    jobAction,
    jobKindLabel,
    jobOwner,
    jobTokenLabel,
    logTail,
    statusLabel,
  };

  if (opts.accessLog) {
    app.use((req, res, next) => {
      const t0 = performance.now();
      res.on('finish', () =>
        console.log(
          JSON.stringify({ t: new Date().toISOString(), method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - t0) }),
        ),
      );
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
  app.use('/static/shared', sharedAssets());
  app.use(cookieParser());
  // A download form holds one field per checked file or folder (at most SELECTION_MAX) and a few
  // others; a larger form is refused (413) before it is parsed.
  app.use(express.urlencoded({ extended: false, limit: '10mb', parameterLimit: SELECTION_MAX + 100 }));
  app.use(csrf(opts.secret ?? randomBytes(32).toString('hex')));

  const deps: RouterDeps = { api, apiBase, secretHeader };
  app.use(authRouter(deps));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // --- everything below needs a signed-in user -------------------------------------------------
  app.use(async (req, res, next) => {
    // what a signed-in user sees must not stay in a shared or back-button cache after signing out
    res.set('cache-control', 'no-store');
    res.locals.user = await api.call(req, res, 'GET', '/auth/me', UserSchema);
    res.locals.currentPath = req.path; // the nav marks its page with aria-current
    next();
  });

  app.use(browseRouter(deps));
  app.use(jobsRouter(deps));
  app.use(modelsRouter(deps));
  app.use(libraryRouter(deps));
  app.use(updatesRouter(deps));
  app.use(adminRouter(deps));
  app.use(auditRouter(deps));
  app.use(tokensRouter(deps));
  app.use(settingsRouter(deps));
  app.use(accountRouter(deps));
  app.use(webhooksRouter(deps));
  errorPages(app);

  return app;
}
