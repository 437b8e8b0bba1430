// Library management (issue 14): disk usage per storage root, deleting a revision or chosen files (each
// after a confirmation page that names the size and the path), copy or move to another root, and
// importing what is already on disk. The API decides who may (administrators, 403 otherwise); the
// portal only hides what a user cannot do.
import { Router, type Request, type Response } from 'express';
import {
  DeleteModelResponseSchema,
  ImportResponseSchema,
  LibraryJobResponseSchema,
  ModelFilesResponseSchema,
  ModelsResponseSchema,
  StorageResponseSchema,
  formatBytes,
  type Model,
  type User,
} from '@d011dl/contract';
import { ApiError } from '../api-client.ts';
import { apiRefusal, guardId, page, str, type RouterDeps } from './shared.ts';

const label = (m: Model) => `${m.author}/${m.repo}@${m.revision}`;
const MAX_CHOSEN = 1000;

export function libraryRouter({ api }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'model');

  const requireAdmin = (res: Response, what: string) => {
    if (!(res.locals.user as User).is_admin) throw new ApiError(403, 'Forbidden', `Only administrators can ${what}.`);
  };
  const modelOf = async (req: Request, res: Response): Promise<Model> => {
    const m = (await api.call(req, res, 'GET', '/db/models', ModelsResponseSchema)).find((x) => x.id === req.params.id);
    if (!m) throw new ApiError(404, 'NotFound', 'No such model.');
    return m;
  };
  const toCatalog = (res: Response, notice: string) => res.redirect(303, `/models?${new URLSearchParams({ notice })}`);
  const chosenPaths = (v: unknown): string[] =>
    (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((p): p is string => typeof p === 'string' && p !== '');
  const freed = (r: { deleted_files: number; freed_bytes: number; note?: string | undefined }) =>
    `${r.deleted_files} ${r.deleted_files === 1 ? 'file' : 'files'} removed, ${formatBytes(r.freed_bytes)} freed.${r.note ? ` ${r.note}` : ''}`;
  const refused = (res: Response, err: unknown, title: string, back = '/models') => page(res, 'error', { title, message: apiRefusal(res, err).message, back });

  router.get('/storage', async (req, res) => {
    const { roots } = await api.call(req, res, 'GET', '/storage', StorageResponseSchema);
    page(res, 'storage', { title: 'Storage', roots, imported: null, notice: str(req.query.notice) || null });
  });

  router.post('/storage/import', async (req, res) => {
    requireAdmin(res, 'import from disk');
    const storage = str(req.body.storage) || undefined;
    try {
      const imported = await api.call(req, res, 'POST', '/db/import', ImportResponseSchema, { storage });
      const { roots } = await api.call(req, res, 'GET', '/storage', StorageResponseSchema);
      page(res, 'storage', { title: 'Storage', roots, imported: { ...imported, storage: storage ?? 'default' }, notice: null });
    } catch (err) {
      refused(res, err, 'Import not started', '/storage');
    }
  });

  // Deleting a whole revision: a page that says what goes (size and path), then the POST.
  router.get('/models/:id/delete', async (req, res) => {
    requireAdmin(res, 'delete from the library');
    const m = await modelOf(req, res);
    page(res, 'confirm-delete', { title: `Delete ${label(m)}`, m, files: null, bytes: m.bytes_on_disk });
  });

  router.post('/models/:id/delete', async (req, res) => {
    const m = await modelOf(req, res);
    try {
      const r = await api.call(req, res, 'DELETE', `/db/models/${m.id}`, DeleteModelResponseSchema);
      toCatalog(res, `Deleted ${label(m)} from ${m.storage}: ${freed(r)}`);
    } catch (err) {
      refused(res, err, 'Not deleted');
    }
  });

  // Deleting chosen files: the catalog's file list sends the checked paths here (GET), the page
  // lists them with their sizes, and its form deletes them (POST).
  router.get('/models/:id/delete-files', async (req, res) => {
    requireAdmin(res, 'delete from the library');
    const m = await modelOf(req, res);
    const chosen = new Set(chosenPaths(req.query.path).slice(0, MAX_CHOSEN));
    if (!chosen.size) return toCatalog(res, `No files of ${label(m)} were checked: check the files to delete first.`);
    const files = (await api.call(req, res, 'GET', `/db/models/${m.id}/files`, ModelFilesResponseSchema)).files.filter((f) => chosen.has(f.path));
    const bytes = files.reduce((a, f) => a + f.bytes_done, 0);
    page(res, 'confirm-delete', { title: `Delete files of ${label(m)}`, m, files, bytes });
  });

  router.post('/models/:id/delete-files', async (req, res) => {
    const m = await modelOf(req, res);
    const paths = chosenPaths(req.body.path);
    try {
      const r = await api.call(req, res, 'DELETE', `/db/models/${m.id}/files`, DeleteModelResponseSchema, { paths });
      toCatalog(res, `Deleted from ${label(m)} on ${m.storage}: ${freed(r)}`);
    } catch (err) {
      refused(res, err, 'Not deleted');
    }
  });

  // Copy or move a revision to another root: a job on the download queue, shown on its job page.
  router.post('/models/:id/transfer', async (req, res) => {
    const op = req.body.op === 'move' ? 'move' : 'copy';
    try {
      const r = await api.call(req, res, 'POST', `/db/models/${req.params.id}/${op}`, LibraryJobResponseSchema, { to: str(req.body.to) });
      res.redirect(303, `/jobs/${r.download_id}`);
    } catch (err) {
      refused(res, err, op === 'move' ? 'Move not started' : 'Copy not started');
    }
  });

  return router;
}
