import {
  BatchDownloadRequestSchema,
  BatchDownloadResponseSchema,
  CreateDownloadRequestSchema,
  CreateDownloadResponseSchema,
  DownloadFilesResponseSchema,
  DownloadSchema,
  DownloadsResponseSchema,
  IdParamsSchema,
} from '@d011dl/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Caller, DownloadsService } from './downloads.service.ts';
import { openStreams, streamEvents, streamProgress } from './event-stream.ts';
import { errorResponses } from '../plugins/error-responses.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 502, 503, 507);
const caller = (req: FastifyRequest): Caller => ({ id: req.user.sub, admin: req.user.admin, username: req.user.username, ip: req.ip });

export async function downloadsRoutes(app: FastifyInstance, opts: { downloads: DownloadsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const open = openStreams(app);
  const { downloads } = opts;

  r.post(
    '/downloads',
    {
      schema: {
        tags: ['downloads'],
        summary: 'Queue a download of a repo, or of chosen files and folders, at a revision',
        body: CreateDownloadRequestSchema,
        response: { 202: CreateDownloadResponseSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(202).send(await downloads.create(caller(req), req.body)),
  );

  r.post(
    '/downloads/batch',
    {
      schema: {
        tags: ['downloads'],
        summary: 'Queue several revisions of one repo at once: one job per revision, each pinned to its commit',
        description:
          'All or nothing: a revision that does not exist, an inaccessible gated repo or too little space refuses the whole batch (the message names the revision). A revision already downloaded is reported and skipped.',
        body: BatchDownloadRequestSchema,
        response: { 202: BatchDownloadResponseSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(202).send(await downloads.createBatch(caller(req), req.body)),
  );

  r.get(
    '/downloads',
    {
      schema: {
        tags: ['downloads'],
        summary: "My downloads, newest first (admins: everyone's with all=true)",
        querystring: z.object({ all: z.enum(['true', 'false']).optional() }),
        response: { 200: DownloadsResponseSchema },
      },
    },
    async (req) => ({ downloads: await downloads.list(caller(req), req.query.all === 'true') }),
  );

  r.get(
    '/downloads/:id',
    {
      schema: { tags: ['downloads'], summary: 'Status and progress of a download', params: IdParamsSchema, response: { 200: DownloadSchema, ...errors } },
    },
    async (req) => downloads.get(req.params.id, caller(req)),
  );

  r.get(
    '/downloads/:id/files',
    {
      schema: {
        tags: ['downloads'],
        summary: 'Per-file states of a download',
        params: IdParamsSchema,
        response: { 200: DownloadFilesResponseSchema, ...errors },
      },
    },
    async (req) => ({ files: await downloads.files(req.params.id, caller(req)) }),
  );

  r.get(
    '/downloads/events',
    {
      schema: {
        tags: ['downloads'],
        summary:
          "Server-Sent Events: one `downloads` event ({downloads: [progress…]}, my downloads, newest first; admins: everyone's with all=true) now and after every change, at most one a second",
        querystring: z.object({ all: z.enum(['true', 'false']).optional() }),
      },
    },
    async (req, reply) => {
      const who = caller(req);
      const all = req.query.all === 'true';
      streamEvents(req, reply, async () => ({ downloads: await downloads.progressList(who, all) }), {
        event: () => 'downloads',
        pollMs: 1000,
        open,
        alive: () => app.stillSignedIn(req),
      });
    },
  );

  r.get(
    '/downloads/:id/stream',
    {
      schema: { tags: ['downloads'], summary: 'Server-Sent Events: `progress` events (≤ 4/s), then one `end` event', params: IdParamsSchema },
    },
    async (req, reply) => {
      const who = caller(req);
      await downloads.progress(req.params.id, who); // 404 before the stream starts
      streamProgress(
        req,
        reply,
        () => downloads.progress(req.params.id, who),
        open,
        () => app.stillSignedIn(req),
      );
    },
  );

  r.post(
    '/downloads/:id/cancel',
    {
      schema: {
        tags: ['downloads'],
        summary: 'Cancel a queued or running download (partial files are kept for a retry)',
        params: IdParamsSchema,
        response: { 200: DownloadSchema, ...errors },
      },
    },
    async (req) => downloads.cancel(req.params.id, caller(req)),
  );

  r.post(
    '/downloads/:id/retry',
    {
      schema: {
        tags: ['downloads'],
        summary: 'Queue a failed or canceled download again (only its unfinished files)',
        params: IdParamsSchema,
        response: { 200: DownloadSchema, ...errors },
      },
    },
    async (req) => downloads.retry(req.params.id, caller(req)),
  );

  r.post(
    '/downloads/:id/pause',
    {
      schema: {
        tags: ['downloads'],
        summary:
          'Pause a queued or running download: it stops at once, frees its place in the queue and keeps its partial files (status "canceled", shown as paused); pausing a paused one changes nothing',
        params: IdParamsSchema,
        response: { 200: DownloadSchema, ...errors },
      },
    },
    async (req) => downloads.pause(req.params.id, caller(req)),
  );

  r.post(
    '/downloads/:id/resume',
    {
      schema: {
        tags: ['downloads'],
        summary: 'Resume a paused download: queued again, it continues from its partial files; resuming a queued or running one changes nothing',
        params: IdParamsSchema,
        response: { 200: DownloadSchema, ...errors },
      },
    },
    async (req) => downloads.resume(req.params.id, caller(req)),
  );
}
