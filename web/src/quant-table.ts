// The quant table above the browse tree (issue 15): contract/src/quants.ts groups the tree the page
// already holds; "already downloaded" comes from the catalog's files of this revision.
import type { Request, Response } from 'express';
import { groupQuants, hasQuantChoice, ModelFilesResponseSchema, RAM_OVERHEAD_TEXT, type Model, type QuantsResponse, type TreeEntry } from '@d011dl/contract';
import type { ApiClient } from './api-client.ts';

export async function quantTable(
  api: ApiClient,
  req: Request,
  res: Response,
  entries: TreeEntry[],
  models: Model[],
  revision: string,
): Promise<QuantsResponse | null> {
  const files = entries.filter((e) => e.type === 'file');
  const oids = new Map(files.map((e) => [e.path, e.oid]));
  const model = models.find((m) => m.revision === revision);
  const done = new Map<string, string | null>();
  if (model?.files_done) {
    // the table is a courtesy: without the catalog's files it shows nothing as downloaded
    const listed = await api.call(req, res, 'GET', `/db/models/${model.id}/files`, ModelFilesResponseSchema).catch(() => ({ files: [] }));
    for (const f of listed.files) if (f.status === 'done') done.set(f.path, f.oid);
  }
  const table = groupQuants(
    files.map((e) => ({ path: e.path, size_bytes: e.size_bytes })),
    (p) => done.has(p) && (done.get(p) === null || done.get(p) === oids.get(p)),
  );
  return hasQuantChoice(table) ? { ...table, ram_overhead: RAM_OVERHEAD_TEXT } : null;
}
