// The dashboard (paste a Hub URL, pick a revision, browse its tree) and starting a download from it.
import { type Request, type Response, Router } from 'express';
import {
  BatchDownloadResponseSchema,
  CreateDownloadResponseSchema,
  HealthResponseSchema,
  ModelsResponseSchema,
  ParsedHfUrlSchema,
  RefsResponseSchema,
  RepoInfoSchema,
  type SelectionItem,
  StorageResponseSchema,
  TreeResponseSchema,
  type TreeEntry,
} from '@d011dl/contract';
import { buildTree, normalizeSelection, SELECTION_MAX } from '../format.ts';
import { quantTable } from '../quant-table.ts';
import { hintFor, tooManySelected } from './errors.ts';
import { apiRefusal, page, str, type RouterDeps } from './shared.ts';

// Trees with more files than this are shown with their folders folded.
export const OPEN_TREE_MAX_FILES = 1000;

export function browseRouter({ api, apiBase }: RouterDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const url = str(req.query.url).trim();
    let revision = str(req.query.revision).trim();
    const locals: Record<string, unknown> = {
      title: 'Dashboard',
      url,
      parsed: null,
      refs: null,
      revision: '',
      tree: null,
      repoInfo: null,
      fileCount: 0,
      totalSize: 0,
      models: [],
      quants: null,
      pathHint: '',
      freeBytes: null,
      OPEN_TREE_MAX_FILES,
    };
    // free space per root on the dashboard, and the download form's choice of root
    locals.roots = (await api.call(req, res, 'GET', '/storage', StorageResponseSchema).catch(() => ({ roots: [] }))).roots;
    if (!url) return page(res, 'dashboard', locals);
    try {
      const parsed = await api.call(req, res, 'POST', '/hf/parse-url', ParsedHfUrlSchema, { url });
      locals.parsed = parsed;
      revision ||= parsed.revision ?? 'main';
      locals.revision = revision;
      locals.pathHint = parsed.path ?? '';
      const q = new URLSearchParams({ author: parsed.author, repo: parsed.repo });
      const [refs, models, health, repoInfo] = await Promise.all([
        api.call(req, res, 'GET', `/hf/refs?${q}&include_prs=true`, RefsResponseSchema), // pull requests in the picker too
        api.call(req, res, 'GET', `/db/models?${q}`, ModelsResponseSchema).catch(() => []),
        // /healthz answers 503 with the same body when something is down; free space is still useful
        fetch(`${apiBase}/healthz`, { signal: AbortSignal.timeout(5000) })
          .then(async (r) => HealthResponseSchema.safeParse(await r.json()).data ?? null)
          .catch(() => null),
        // the gated badge is a courtesy: the page works without it
        api.call(req, res, 'GET', `/hf/repo-info?${q}`, RepoInfoSchema).catch(() => null),
      ]);
      locals.repoInfo = repoInfo;
      locals.refs = refs;
      locals.models = models;
      locals.freeBytes = health?.checks?.storage?.free_bytes ?? null;
      const entries: TreeEntry[] = [];
      let cursor: string | null = null;
      do {
        const tq = new URLSearchParams({ author: parsed.author, repo: parsed.repo, revision, recursive: 'true' });
        if (cursor) tq.set('cursor', cursor);
        const pageOf = await api.call(req, res, 'GET', `/hf/tree?${tq}`, TreeResponseSchema);
        entries.push(...pageOf.files);
        cursor = pageOf.next_cursor;
      } while (cursor);
      const tree = buildTree(entries);
      locals.tree = tree;
      locals.fileCount = entries.filter((e) => e.type === 'file').length;
      locals.totalSize = tree.size;
      locals.quants = await quantTable(api, req, res, entries, models, revision);
    } catch (err) {
      const refused = apiRefusal(res, err);
      locals.error = refused.message;
      locals.hint = hintFor(refused);
    }
    page(res, 'dashboard', locals);
  });

  router.post('/downloads', async (req, res) => {
    const author = str(req.body.author);
    const repo = str(req.body.repo);
    const revision = str(req.body.revision);
    const back = `/?${new URLSearchParams({ url: str(req.body.url), revision })}`;
    const raw: unknown = req.body.sel;
    const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
    if (values.length > SELECTION_MAX) return tooManySelected(res, values.length, back);
    const selection = normalizeSelection(
      values.flatMap((v) => {
        const m = /^(file|dir):(.+)$/s.exec(v);
        return m ? [{ type: m[1] as 'file' | 'dir', path: m[2]! }] : [];
      }),
    );
    if (!selection.length) {
      res.status(400);
      return page(res, 'error', {
        title: 'Nothing selected',
        message: 'Select at least one file or folder to download, then press "Download selected".',
        back,
      });
    }
    const rawAlso: unknown = req.body.also;
    const also = (Array.isArray(rawAlso) ? rawAlso : rawAlso === undefined ? [] : [rawAlso]).filter(
      (v): v is string => typeof v === 'string' && v !== revision,
    );
    if (also.length) return downloadBatch(req, res, { author, repo, revisions: [revision, ...also], selection, back });
    try {
      const r = await api.call(req, res, 'POST', '/downloads', CreateDownloadResponseSchema, {
        author,
        repo,
        revision,
        selection,
        force: req.body.force === 'true',
        ...(str(req.body.storage) ? { storage: str(req.body.storage) } : {}),
      });
      res.redirect(303, `/jobs/${r.download_id}`);
    } catch (err) {
      const refused = apiRefusal(res, err);
      // everything is already here: offer the same selection again, checked file by file (force)
      const verify =
        refused.code === 'AlreadyDownloaded' && req.body.force !== 'true'
          ? {
              action: '/downloads',
              fields: [
                ['author', author],
                ['repo', repo],
                ['revision', revision],
                ['url', str(req.body.url)],
                ...(str(req.body.storage) ? [['storage', str(req.body.storage)]] : []),
                ...values.map((v) => ['sel', v]),
                ['force', 'true'],
              ],
            }
          : null;
      page(res, 'error', { title: verify ? 'Already downloaded' : 'Download not started', message: refused.message, hint: hintFor(refused), back, verify });
    }
  });

  /** Several revisions at once: to the jobs list when anything was queued, else say why nothing was. */
  async function downloadBatch(
    req: Request,
    res: Response,
    b: { author: string; repo: string; revisions: string[]; selection: SelectionItem[]; back: string },
  ): Promise<void> {
    try {
      const r = await api.call(req, res, 'POST', '/downloads/batch', BatchDownloadResponseSchema, {
        author: b.author,
        repo: b.repo,
        revisions: b.revisions,
        selection: b.selection,
      });
      if (r.downloads.some((d) => d.status === 'queued')) return res.redirect(303, '/jobs');
      page(res, 'error', {
        title: 'Already downloaded',
        message: r.downloads.map((d) => d.message ?? `${d.revision}: already downloaded`).join(' '),
        back: b.back,
      });
    } catch (err) {
      const refused = apiRefusal(res, err);
      page(res, 'error', { title: 'Downloads not started', message: refused.message, hint: hintFor(refused), back: b.back });
    }
  }

  return router;
}
