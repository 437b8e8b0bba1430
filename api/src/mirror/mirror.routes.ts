// /mirror: the library as a Hugging Face Hub for huggingface_hub, @huggingface/hub, transformers and
// llama.cpp (HF_ENDPOINT=http://<host>:32002/mirror). One route takes every path and parses it raw
// (mirror-url.ts), because the Hub's paths carry revisions and file paths both encoded and not.
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAccessToken, type AccessTokensService } from '../auth/access-tokens.service.ts';
import { HttpError } from '../http-errors.ts';
import { headerSafe, MirrorError } from './mirror-errors.ts';
import { evaluateRange } from '@d011dl/contract/http-range';
import { noneMatch, openServed } from './mirror-send.ts';
import { sendRange } from './mirror-stream.ts';
import { etagOf } from './mirror-tree.ts';
import { BadSegment, parseMirrorPath } from './mirror-url.ts';
import type { MirrorCaller, MirrorService } from './mirror.service.ts';

const PAGE = 1000;
const EXPAND_PAGE = 50;

declare module 'fastify' {
  interface FastifyRequest {
    mirrorCaller?: MirrorCaller;
  }
}

const bool = (v: string | null) => v !== null && ['true', '1', 'yes'].includes(v.toLowerCase());

function sendError(reply: FastifyReply, err: MirrorError) {
  reply.code(err.status).headers(err.headers).header('x-error-message', headerSafe(err.message));
  if (err.code) reply.header('x-error-code', err.code);
  return reply.type('application/json').send({ error: err.message });
}

export async function mirrorRoutes(
  app: FastifyInstance,
  opts: { mirror: MirrorService; tokens: AccessTokensService; enabled: () => boolean; anonymous: () => boolean },
) {
  const { mirror } = opts;
  // Python sends paths-info as a form, JS as JSON
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  async function caller(req: FastifyRequest): Promise<MirrorCaller> {
    const header = req.headers.authorization;
    const value = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    // anonymous: a Hugging Face token the client sends out of habit (~/.cache/huggingface/token) is ignored
    if (opts.anonymous() && (!value || !isAccessToken(value))) return null;
    if (!header) {
      throw new MirrorError(401, null, "This D011DL mirror needs a token: create one on the portal's Tokens page and set HF_TOKEN to it");
    }
    if (!value || !isAccessToken(value))
      throw new MirrorError(401, null, 'Invalid credentials in Authorization header: use a D011DL access token (hf_d011dl…) as HF_TOKEN');
    try {
      const p = await opts.tokens.principal(value);
      return { id: p.sub, admin: p.admin, username: p.username, ip: req.ip };
    } catch (err) {
      if (err instanceof HttpError) throw new MirrorError(err.statusCode, null, `Invalid credentials in Authorization header: ${err.message}`);
      throw err;
    }
  }

  async function handle(req: FastifyRequest, reply: FastifyReply) {
    if (!opts.enabled()) throw new MirrorError(404, null, 'The mirror is turned off on this D011DL (MIRROR=off, or on the Settings page)');
    const raw = req.raw.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = (q < 0 ? raw : raw.slice(0, q)).slice('/mirror'.length);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const call = parseMirrorPath(req.method, rawPath);
    const who = await caller(req);
    switch (call.kind) {
      case 'unknown':
        throw new MirrorError(404, null, `Not found: ${call.what} is not part of the Hub protocol this mirror speaks`);
      case 'no-repo':
        throw new MirrorError(404, 'RepoNotFound', 'Repository Not Found: this mirror serves only the model repos in its library');
      case 'info':
        return reply.send(await mirror.info(call.repoId, call.rev, who, bool(query.get('blobs'))));
      case 'refs':
        return reply.send(await mirror.refs(call.repoId, bool(query.get('include_prs'))));
      case 'paths-info': {
        const body = req.body as unknown;
        let paths: unknown[] = [];
        let expand = false;
        if (typeof body === 'string') {
          const form = new URLSearchParams(body);
          paths = [...form.getAll('paths'), ...form.getAll('paths[]')];
          expand = bool(form.get('expand'));
        } else if (body && typeof body === 'object') {
          const o = body as { paths?: unknown; expand?: unknown };
          paths = typeof o.paths === 'string' ? [o.paths] : Array.isArray(o.paths) ? o.paths : [];
          expand = o.expand === true || (typeof o.expand === 'string' && bool(o.expand));
        }
        const wanted = paths.filter((p): p is string => typeof p === 'string');
        return reply.send(await mirror.pathsInfo(call.repoId, call.rev, who, wanted, expand));
      }
      case 'tree': {
        const expand = bool(query.get('expand'));
        const max = expand ? EXPAND_PAGE : PAGE;
        const limit = Number(query.get('limit') ?? Number.NaN);
        const pageSize = Number.isInteger(limit) && limit > 0 ? Math.min(limit, max) : max;
        const offset = decodeCursor(query.get('cursor'));
        const page = await mirror.tree(call.repoId, call.rev, who, { dir: call.path, recursive: bool(query.get('recursive')), expand, offset, pageSize });
        if (page.more) {
          // absolute, back to this server, exactly `<url>; rel="next"`: the JS client parses it with a strict regex
          const next = new URLSearchParams(query);
          next.set('limit', String(pageSize));
          next.set('cursor', Buffer.from(JSON.stringify({ file_offset: offset + pageSize })).toString('base64url'));
          reply.header('link', `<${req.protocol}://${req.host}/mirror${rawPath}?${next}>; rel="next"`);
        }
        return reply.send(page.entries);
      }
      case 'resolve':
        return resolve(req, reply, call.repoId, call.rev, call.path, who);
    }
  }

  async function resolve(req: FastifyRequest, reply: FastifyReply, id: { author: string; repo: string }, rev: string, repoPath: string, who: MirrorCaller) {
    const { commit, file } = await mirror.file(id, rev, who, repoPath);
    const etag = etagOf(file);
    const base = path.posix.basename(file.path);
    reply.headers({
      'x-repo-commit': commit,
      etag: `"${etag}"`,
      'x-linked-etag': `"${etag}"`,
      'x-linked-size': String(file.size),
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(base)}; filename="${headerSafe(base).replaceAll('"', '')}";`,
    });
    if (noneMatch(req.headers['if-none-match'], etag)) return reply.code(304).send();
    const fh = await openServed(file, commit);
    const r = evaluateRange(req.headers.range, req.headers['if-range'] as string | undefined, file.size, etag);
    if (r.kind === 'unsatisfiable') {
      await fh.close();
      return reply.code(416).header('content-range', `bytes */${file.size}`).type('application/json').send({ error: 'Requested Range Not Satisfiable' });
    }
    const [start, end] = r.kind === 'partial' ? [r.start, r.end] : [0, file.size - 1];
    if (r.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${file.size}`);
    reply.header('content-length', String(end - start + 1));
    if (req.method === 'HEAD' || file.size === 0) {
      await fh.close();
      return reply.send();
    }
    // the bytes go out through one reused buffer (mirror-stream.ts), past Fastify's reply
    reply.hijack();
    reply.raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    await sendRange(fh, reply.raw, start, end);
  }

  app.route({
    method: ['GET', 'HEAD', 'POST'],
    url: '/mirror/*',
    exposeHeadRoute: false,
    schema: { hide: true },
    handler: async (req, reply) => {
      try {
        return await handle(req, reply);
      } catch (err) {
        if (err instanceof MirrorError) return sendError(reply, err);
        if (err instanceof BadSegment) return sendError(reply, new MirrorError(400, null, `Bad request: ${err.message}`));
        throw err;
      }
    },
  });
}

function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  try {
    const v = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { file_offset?: unknown }).file_offset;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  } catch {
    // a cursor this server did not write
  }
  throw new MirrorError(400, null, 'Invalid cursor: pass back the one from the Link header');
}
