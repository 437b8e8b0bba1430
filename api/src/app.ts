import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import rateLimit from '@fastify/rate-limit';
import pretty from 'pino-pretty';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { accountRoutes } from './account/account.routes.ts';
import { createHfTokensService } from './account/hf-tokens.service.ts';
import { openTokenCipher } from './account/token-cipher.ts';
import { adminRoutes } from './admin/admin.routes.ts';
import { createAdminUsersService } from './admin/admin-users.service.ts';
import { createRescanGuard } from './catalog/rescan-guard.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { bandwidthRoutes } from './bandwidth/bandwidth.routes.ts';
import { BandwidthService } from './bandwidth/bandwidth.service.ts';
import { createAuditService } from './audit/audit.service.ts';
import { authRoutes, publicAuthRoutes } from './auth/auth.routes.ts';
import { accessTokensRoutes } from './auth/access-tokens.routes.ts';
import { createAccessTokensService, isAccessToken } from './auth/access-tokens.service.ts';
import { createAuthService } from './auth/auth.service.ts';
import { resolveJwtSecret } from './auth/jwt-secret.ts';
import jwtAuth from './auth/jwt.plugin.ts';
import { catalogRoutes } from './catalog/catalog.routes.ts';
import { createCatalogService } from './catalog/catalog.service.ts';
import type { AppConfig } from './config/config.ts';
import { healthRoutes } from './health/health.routes.ts';
import { mirrorRoutes } from './mirror/mirror.routes.ts';
import { createMirrorService } from './mirror/mirror.service.ts';
import { createHealthService } from './health/health.service.ts';
import { startDownloadQueue } from './jobs/download-queue.ts';
import { openEngine } from './engine/index.ts';
import { createDownloadRunner } from './jobs/job-runner.ts';
import { downloadsRoutes } from './downloads/downloads.routes.ts';
import { createDownloadsService } from './downloads/downloads.service.ts';
import { createHubClient } from './hub/hub-client.ts';
import { hubRoutes } from './hub/hub.routes.ts';
import { repoInfoRoutes } from './hub/repo-info.routes.ts';
import { quantsRoutes } from './hub/quants.routes.ts';
import { createHubService } from './hub/hub.service.ts';
import { transferRoutes } from './library/transfer.routes.ts';
import { createTransferService } from './library/transfer.service.ts';
import { importRoutes } from './library/import.routes.ts';
import { createImportService } from './library/import.service.ts';
import { deleteRoutes } from './library/delete.routes.ts';
import { createDeleteService } from './library/delete.service.ts';
import database from './plugins/database.ts';
import errorHandler from './plugins/error-handler.ts';
import methodNotAllowed from './plugins/method-not-allowed.ts';
import requestLog from './plugins/request-log.ts';
import portalSecret from './plugins/portal-secret.ts';
import openapi from './plugins/swagger.ts';
import { TrustedProxies } from './plugins/trusted-proxies.ts';
import { settingsRoutes } from './settings/settings.routes.ts';
import { listenForSettings } from './settings/settings-listener.ts';
import { reserveBytesOf, SettingsService } from './settings/settings.service.ts';
import { StorageRoots } from './storage/storage-roots.ts';
import { updateApplyRoutes } from './updates/update-apply.routes.ts';
import { createUpdateApplyService } from './updates/update-apply.service.ts';
import { scheduleTrashSweep } from './updates/trash.ts';
import { storageRoutes } from './storage/storage.routes.ts';
import { createStorageService } from './storage/storage.service.ts';
import { startUpdateScheduler } from './updates/update-scheduler.ts';
import { updatesRoutes } from './updates/updates.routes.ts';
import { createUpdatesService } from './updates/updates.service.ts';
import { createNotifySender } from './notify/notify-sender.ts';
import { createMailer } from './notify/mailer.ts';
import { meNotificationsRoutes } from './notify/me-notifications.routes.ts';
import { webhooksRoutes } from './notify/webhooks.routes.ts';
import { createWebhooksService } from './notify/webhooks.service.ts';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** The whole API as a plugin: everything it opens, it closes in onClose. */
export async function appPlugin(app: FastifyInstance, opts: { config: AppConfig }) {
  const { config } = opts;
  // The default storage under DATA_DIR is ours to create; an explicit STORAGE_ROOT (a NAS mount) is
  // not: creating it would write to the local disk under an unmounted mount point.
  for (const root of config.storageRoots) if (root.path.startsWith(config.dataDir + path.sep)) await mkdir(root.path, { recursive: true });

  await app.register(errorHandler);
  await app.register(portalSecret, { secret: config.portalSecret });
  await app.register(methodNotAllowed);
  await app.register(requestLog);
  await app.register(openapi, { version: VERSION });
  await app.register(database, { config });
  await app.register(rateLimit, { global: false });
  const audit = createAuditService({ db: app.db });
  // run-time settings (issue 17): the environment's values, overridden by what an administrator saved
  const settings = await SettingsService.open({ db: app.db, config, audit, log: app.log });
  // another instance on this database saved a change: reload (closed before the database)
  const settingsListener = await listenForSettings(app.pgConnection, () => settings.reload(), app.log);
  app.addHook('preClose', () => settingsListener.close());
  const live = () => settings.current();
  const reserveBytes = () => reserveBytesOf(live());
  const accessTokens = createAccessTokensService({ db: app.db, audit });
  const auth = createAuthService({
    db: app.db,
    config,
    audit,
    signAccessToken: (claims) => app.jwt.sign(claims),
    allowRegistration: () => live().allow_registration,
  });
  await app.register(jwtAuth, {
    secret: await resolveJwtSecret(config, (m) => app.log.warn(m)),
    accessTokenTtlS: config.auth.accessTokenTtlS,
    loadPrincipal: auth.principal,
    accessTokens: { accepts: isAccessToken, principal: accessTokens.principal },
  });

  const hubClient = createHubClient({
    endpoint: config.hub.endpoint,
    token: config.hub.token,
    timeoutMs: config.hub.timeoutMs,
    userAgent: `d011dl/${VERSION}`,
  });
  app.addHook('onClose', () => hubClient.close());

  const hub = createHubService(hubClient);
  // users' own Hugging Face tokens: browsing and downloads a user starts carry theirs, else HF_TOKEN
  // the server's data key: users' Hugging Face tokens and webhook secrets are sealed with it at rest
  const cipher = await openTokenCipher(config, (m) => app.log.warn(m));
  const hfTokens = createHfTokensService({
    db: app.db,
    cipher,
    hubClient,
    serverToken: config.hub.token,
    audit,
  });
  const roots = new StorageRoots({ db: app.db, roots: config.storageRoots, log: app.log });
  // first start on an empty folder: write the markers now (and say so), not at the first download
  await roots.initialise();
  const catalog = createCatalogService({ db: app.db, roots });
  const stopTrashSweep = scheduleTrashSweep(roots, config.trashDays, app.log);
  app.addHook('onClose', async () => stopTrashSweep());
  const health = createHealthService({ db: app.db, roots, version: VERSION });

  const queue = await startDownloadQueue(app.pgConnection, app.log, { heartbeatSeconds: config.downloads.heartbeatSeconds });
  // the engine's HTTP pools and hash thread are this app's until it closes (after its jobs stopped)
  const engine = openEngine();
  app.addHook('onClose', () => engine.close());
  // one bandwidth limit for every download of this instance, kept at the setting and schedule in force
  const bandwidth = new BandwidthService({ settings });
  app.addHook('onClose', async () => bandwidth.close());
  const runner = createDownloadRunner({ db: app.db, config, log: app.log, roots, hub, settings, hfTokens, limiter: bandwidth.limiter });
  const downloads = createDownloadsService({ db: app.db, config, hub, hubFor: hfTokens.hubFor, queue, roots, catalog, reserveBytes, audit });
  await queue.work(live().job_concurrency, ({ downloadId }) => runner.run(downloadId));
  settings.onChange((next, prev) => {
    if (next.job_concurrency !== prev.job_concurrency)
      queue.setConcurrency(next.job_concurrency).catch((err) => app.log.warn({ err }, 'could not change the number of jobs at once'));
  });
  // preClose runs before the database closes: jobs stop (keeping their partial files) and go back to
  // the queue, to be resumed by this or another instance.
  app.addHook('preClose', async () => {
    runner.interruptAll();
    await queue.stop();
  });

  // update checks of downloaded branches (issue 15): closed before the database, like the queue
  const updates = createUpdatesService({ db: app.db, hub, catalog, log: app.log });
  const updateScheduler = startUpdateScheduler({ intervalH: () => live().update_check_interval_h, checkDue: updates.checkDue, log: app.log });
  settings.onChange((next, prev) => {
    if (next.update_check_interval_h !== prev.update_check_interval_h) updateScheduler.rearm();
  });
  app.addHook('preClose', () => updateScheduler.close());

  // notifications (webhooks, e-mail): sent from the rows that jobs and update checks write
  const mailer = config.notify.smtp ? createMailer(config.notify.smtp, config.notify.timeoutMs) : null;
  const notifySender = createNotifySender({ db: app.db, log: app.log, ...config.notify, userAgent: `d011dl/${VERSION}`, mailer, cipher });
  notifySender.start();
  app.addHook('preClose', async () => {
    await notifySender.close();
    mailer?.close();
  });

  await app.register(healthRoutes, { health });
  await app.register(publicAuthRoutes, { auth, loginRateLimit: config.auth.loginRateLimit });
  // the mirror checks its own tokens (access tokens as HF_TOKEN, or none with MIRROR_ANONYMOUS)
  const mirror = createMirrorService({ db: app.db, catalog, downloads, pullThrough: () => live().mirror_pull_through });
  await app.register(mirrorRoutes, {
    mirror,
    tokens: accessTokens,
    enabled: () => live().mirror_enabled,
    anonymous: () => live().mirror_anonymous,
  });

  // Everything registered in here needs a valid access token: new routes are private by default.
  await app.register(async (priv) => {
    priv.addHook('onRequest', priv.authenticate);
    await priv.register(authRoutes, { auth });
    await priv.register(accessTokensRoutes, { tokens: accessTokens });
    await priv.register(adminRoutes, { auth, admin: createAdminUsersService({ db: app.db, bcryptRounds: config.auth.bcryptRounds, audit }) });
    await priv.register(accountRoutes, { db: app.db, bcryptRounds: config.auth.bcryptRounds, hfTokens, audit });
    await priv.register(hubRoutes, { hubFor: hfTokens.hubFor });
    await priv.register(repoInfoRoutes, { clientFor: hfTokens.clientFor });
    await priv.register(catalogRoutes, { catalog, rescanGuard: createRescanGuard({ db: app.db }) });
    await priv.register(downloadsRoutes, { downloads });
    await priv.register(bandwidthRoutes, { bandwidth });
    await priv.register(updateApplyRoutes, {
      updates: createUpdateApplyService({
        db: app.db,
        hub,
        hubFor: hfTokens.hubFor,
        queue,
        roots,
        catalog,
        reserveBytes,
        engine: config.downloads.engine,
        audit,
      }),
    });
    await priv.register(transferRoutes, { transfer: createTransferService({ db: app.db, queue, roots, reserveBytes, audit }) });
    await priv.register(importRoutes, { imports: createImportService({ db: app.db, config, roots, queue, audit }) });
    await priv.register(deleteRoutes, { library: createDeleteService({ db: app.db, roots, audit }) });
    await priv.register(storageRoutes, { storage: createStorageService({ roots, catalog, reserveBytes }) });
    await priv.register(quantsRoutes, { hubFor: hfTokens.hubFor, catalog });
    await priv.register(updatesRoutes, { updates });
    await priv.register(auditRoutes, { audit });
    await priv.register(settingsRoutes, { settings });
    await priv.register(meNotificationsRoutes, { db: app.db, emailAvailable: mailer !== null });
    await priv.register(webhooksRoutes, { webhooks: createWebhooksService({ db: app.db, sender: notifySender, audit, cipher }) });
  });
}

export async function buildApp(config: AppConfig): Promise<FastifyInstance> {
  const proxies = Array.isArray(config.trustProxy) ? new TrustedProxies(config.trustProxy) : undefined;
  await proxies?.refresh();
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // a person at a terminal reads lines; machines (files, pipes, collectors) get JSON
      ...((config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty'
        ? { stream: pretty({ colorize: !!process.stdout.isTTY, singleLine: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', sync: true }) }
        : {}),
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.refresh_token', '*.current_password', '*.new_password'],
        censor: '[redacted]',
      },
    },
    // request-log.ts writes one line per request instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    // A first start initialises the embedded PostgreSQL (initdb): seconds on a busy or low-power machine,
    // far beyond Fastify's default 10 s per plugin. A start that hangs still fails, after 5 minutes.
    pluginTimeout: 300_000,
    // Node's 16 KiB would answer 431 (undocumented) to a long but valid query: the longest one the
    // schemas allow, every character percent-encoded UTF-8, is about 70 KiB
    http: { maxHeaderSize: 128 * 1024 },
    // a "__proto__" or "constructor" key in a JSON body is dropped rather than refused: the body is
    // still valid JSON that its schema allows (extra keys are ignored), and nothing is polluted
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // behind the portal or a reverse proxy, set TRUST_PROXY so rate limits see the real client
    trustProxy: proxies ? proxies.trust : config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  if (proxies) {
    proxies.start();
    app.addHook('onClose', async () => proxies.stop());
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(appPlugin, { config });
  return app;
}
