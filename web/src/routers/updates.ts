// Update checks on the catalog page (issue 15): "Check now", what changed at the Hub, pinning, and the
// update itself (only what changed).
import { Router } from 'express';
import {
  CheckUpdateResponseSchema,
  ModelChangesSchema,
  ModelsResponseSchema,
  UpdateJobResponseSchema,
  UpdateStateSchema,
  type ModelChanges,
} from '@d011dl/contract';
import type { Response } from 'express';
import { ApiError } from '../api-client.ts';
import { guardId, page, str, type RouterDeps } from './shared.ts';

const back = (notice: string) => `/models?${new URLSearchParams({ notice })}`;

export function updatesRouter({ api }: RouterDeps): Router {
  const router = Router();
  guardId(router, 'model');

  const showChanges = async (req: Parameters<typeof api.call>[0], res: Response, id: string, changes: ModelChanges) => {
    const m = (await api.call(req, res, 'GET', '/db/models', ModelsResponseSchema)).find((x) => x.id === id);
    if (!m) throw new ApiError(404, 'NotFound', 'No such model.');
    page(res, 'model-changes', { title: `Changes in ${m.author}/${m.repo}`, m, changes });
  };

  router.post('/models/:id/check-update', async (req, res) => {
    const r = await api.call(req, res, 'POST', `/db/models/${req.params.id}/check-update`, CheckUpdateResponseSchema);
    if (r.changes) return showChanges(req, res, r.model_id, r.changes);
    const what = `${r.revision}:`;
    const notice = !r.checkable
      ? `${what} a tag or a commit never changes; nothing to check.`
      : r.check_error
        ? `${what} could not check (${r.check_error}).`
        : `${what} up to date with the Hub.`;
    res.redirect(303, back(notice));
  });

  router.get('/models/:id/changes', async (req, res) => {
    const changes = await api.call(req, res, 'GET', `/db/models/${req.params.id}/changes`, ModelChangesSchema);
    await showChanges(req, res, req.params.id, changes);
  });

  // fetches only what changed, as a job: its page shows the progress
  router.post('/models/:id/update', async (req, res) => {
    const r = await api.call(req, res, 'POST', `/db/models/${req.params.id}/update`, UpdateJobResponseSchema);
    res.redirect(303, `/jobs/${r.download_id}`);
  });

  router.post('/models/:id/pin', async (req, res) => {
    const pinned = str(req.body.pinned) === 'true';
    const r = await api.call(req, res, 'PUT', `/db/models/${req.params.id}/pin`, UpdateStateSchema, { pinned });
    res.redirect(
      303,
      back(pinned ? `${r.revision}: pinned to its commit; it will not be checked for updates.` : `${r.revision}: unpinned; it is checked for updates again.`),
    );
  });

  return router;
}
