// The catalog of downloaded models: the list (grouped by repo), a rescan, and fetching again what is missing.
import { Router } from 'express';
import {
  CreateDownloadResponseSchema,
  ModelFilesResponseSchema,
  ModelsResponseSchema,
  RescanResponseSchema,
  StorageResponseSchema,
  isGgufRepo,
  mirrorCommands,
  type Model,
  type ModelFile,
} from '@d011dl/contract';

const FILES_SHOWN = 200;
const LISTS_MAX = 50;
import { ApiError } from '../api-client.ts';
import { guardId, page, str, type RouterDeps } from './shared.ts';
import { endpointFor } from './tokens.ts';

export function modelsRouter({ api, apiBase }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'model');

  router.get('/models', async (req, res) => {
    const author = str(req.query.author).trim();
    const repo = str(req.query.repo).trim();
    const status = str(req.query.status);
    const q = new URLSearchParams();
    if (author) q.set('author', author);
    if (repo) q.set('repo', repo);
    if (status === 'downloaded') q.set('downloaded', 'true');
    if (status === 'incomplete') q.set('downloaded', 'false');
    // the roots feed the catalog's "Copy / Move to" choice (partials/library-actions.ejs)
    const [r, storage] = await Promise.all([
      api.call(req, res, 'GET', `/db/models?${q}`, ModelsResponseSchema),
      api.call(req, res, 'GET', '/storage', StorageResponseSchema).catch(() => ({ roots: [] })),
    ]);
    // each revision's file list, shown folded under it (the first FILES_SHOWN of each); a long
    // catalog lists them once filtered down, rather than asking the API for every revision's files
    const listed = r.length <= LISTS_MAX ? r.filter((m) => m.files_tracked > 0) : [];
    const files = new Map<string, { shown: ModelFile[]; more: number }>(
      await Promise.all(
        listed.map(async (m) => {
          const all = (await api.call(req, res, 'GET', `/db/models/${m.id}/files`, ModelFilesResponseSchema)).files;
          return [m.id, { shown: all.slice(0, FILES_SHOWN), more: Math.max(0, all.length - FILES_SHOWN) }] as const;
        }),
      ),
    );
    const groups = new Map<string, Model[]>();
    for (const m of r) {
      const key = `${m.author}/${m.repo}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    // revisions with done files can be downloaded from the mirror: the one-liners to do it
    const endpoint = endpointFor(req, apiBase);
    const useIt = new Map(
      r
        .filter((m) => m.files_done > 0 && m.commit_sha)
        .map((m) => [
          m.id,
          mirrorCommands({
            endpoint,
            ...m,
            gguf: isGgufRepo(
              m.repo,
              files.get(m.id)?.shown.map((f) => f.path),
            ),
          }),
        ]),
    );
    page(res, 'models', {
      title: 'Models',
      files,
      useIt,
      listsHidden: r.length > LISTS_MAX,
      roots: storage.roots,
      groups: [...groups].sort(([a], [b]) => a.localeCompare(b)),
      author,
      repo,
      status,
      notice: str(req.query.notice) || null,
    });
  });

  router.post('/models/:id/rescan', async (req, res) => {
    const r = await api.call(req, res, 'POST', '/db/rescan', RescanResponseSchema, { model_id: req.params.id });
    const notice = `Rescanned: ${r.files_checked} ${r.files_checked === 1 ? 'file' : 'files'} checked, ${r.present} present, ${r.missing} missing, ${r.mismatched} mismatched.`;
    res.redirect(303, `/models?${new URLSearchParams({ notice })}`);
  });

  router.post('/models/:id/retry', async (req, res) => {
    const id = req.params.id;
    const m = (await api.call(req, res, 'GET', '/db/models', ModelsResponseSchema)).find((x) => x.id === id);
    if (!m) throw new ApiError(404, 'NotFound', 'No such model.');
    // Fetch again only the files that are not done (failed, missing or never finished).
    const files = (await api.call(req, res, 'GET', `/db/models/${id}/files`, ModelFilesResponseSchema)).files.filter((f) => f.status !== 'done');
    if (!files.length)
      return res.redirect(303, `/models?${new URLSearchParams({ notice: `${m.author}/${m.repo}@${m.revision}: every file is already downloaded.` })}`);
    const r = await api.call(req, res, 'POST', '/downloads', CreateDownloadResponseSchema, {
      author: m.author,
      repo: m.repo,
      revision: m.revision,
      storage: m.storage,
      selection: files.map((f) => ({ path: f.path, type: 'file' as const })),
    });
    res.redirect(303, `/jobs/${r.download_id}`);
  });

  router.post('/models/:id/verify', async (req, res) => {
    const id = req.params.id;
    const m = (await api.call(req, res, 'GET', '/db/models', ModelsResponseSchema)).find((x) => x.id === id);
    if (!m) throw new ApiError(404, 'NotFound', 'No such model.');
    // every tracked file, checked on disk and fetched again where it differs from the Hub (force)
    const files = (await api.call(req, res, 'GET', `/db/models/${id}/files`, ModelFilesResponseSchema)).files;
    if (!files.length) return res.redirect(303, `/models?${new URLSearchParams({ notice: `${m.author}/${m.repo}@${m.revision} has no files to verify.` })}`);
    const r = await api.call(req, res, 'POST', '/downloads', CreateDownloadResponseSchema, {
      author: m.author,
      repo: m.repo,
      revision: m.revision,
      storage: m.storage,
      selection: files.map((f) => ({ path: f.path, type: 'file' as const })),
      force: true,
    });
    res.redirect(303, `/jobs/${r.download_id}`);
  });

  return router;
}
