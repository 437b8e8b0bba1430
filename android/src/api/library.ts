// Library management (issue 14): disk usage per storage root, delete, move/copy between roots and
// import from disk. Every answer is parsed with the contract's schema, as in ./client.ts.
import {
  DeleteModelResponseSchema,
  ImportResponseSchema,
  LibraryJobResponseSchema,
  StorageResponseSchema,
  type DeleteModelResponse,
  type ImportResponse,
  type LibraryJobResponse,
  type StorageRoot,
} from '@d011dl/contract';
import type { ApiClient } from './client.ts';

const modelPath = (id: string) => `/db/models/${encodeURIComponent(id)}`;

/** GET /storage: every storage root with its size, free space, reserve and what D011DL keeps there. */
export function storageRoots(client: ApiClient): Promise<StorageRoot[]> {
  return client.request('GET', '/storage', {}, StorageResponseSchema).then((r) => r.roots);
}

/** DELETE /db/models/:id: the revision's files leave the disk, its rows the catalog (administrators). */
export function deleteModel(client: ApiClient, modelId: string): Promise<DeleteModelResponse> {
  return client.request('DELETE', modelPath(modelId), {}, DeleteModelResponseSchema);
}

/** DELETE /db/models/:id/files: chosen files of a revision (administrators). */
export function deleteModelFiles(client: ApiClient, modelId: string, paths: string[]): Promise<DeleteModelResponse> {
  return client.request('DELETE', `${modelPath(modelId)}/files`, { body: { paths } }, DeleteModelResponseSchema);
}

/** POST /db/models/:id/move|copy: a job that copies the revision to another root (a move then deletes the source). */
export function transferModel(client: ApiClient, modelId: string, how: 'move' | 'copy', to: string): Promise<LibraryJobResponse> {
  return client.request('POST', `${modelPath(modelId)}/${how}`, { body: { to } }, LibraryJobResponseSchema);
}

/** POST /db/import: record the revision folders found on a root that the catalog does not know (administrators). */
export function importFromDisk(client: ApiClient, storage?: string): Promise<ImportResponse> {
  return client.request('POST', '/db/import', { body: storage ? { storage } : {} }, ImportResponseSchema);
}
