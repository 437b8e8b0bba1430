// Quant table and update checks (issue 15): the calls, with the shapes from @d011dl/contract.
import {
  CheckUpdateResponseSchema,
  ModelChangesSchema,
  QuantsResponseSchema,
  UpdateJobResponseSchema,
  UpdateStateSchema,
  type CheckUpdateResponse,
  type ModelChanges,
  type QuantsResponse,
  type UpdateJobResponse,
  type UpdateState,
} from '@d011dl/contract';
import type { ApiClient } from './client';

export function quants(client: ApiClient, author: string, repo: string, revision: string): Promise<QuantsResponse> {
  return client.request('GET', '/hf/quants', { query: { author, repo, revision } }, QuantsResponseSchema);
}

export function checkUpdate(client: ApiClient, modelId: string): Promise<CheckUpdateResponse> {
  return client.request('POST', `/db/models/${encodeURIComponent(modelId)}/check-update`, {}, CheckUpdateResponseSchema);
}

export function modelChanges(client: ApiClient, modelId: string): Promise<ModelChanges> {
  return client.request('GET', `/db/models/${encodeURIComponent(modelId)}/changes`, {}, ModelChangesSchema);
}

export function pinModel(client: ApiClient, modelId: string, pinned: boolean): Promise<UpdateState> {
  return client.request('PUT', `/db/models/${encodeURIComponent(modelId)}/pin`, { body: { pinned } }, UpdateStateSchema);
}

/** Update a moved branch, fetching only what changed (a job). */
export function updateModel(client: ApiClient, modelId: string): Promise<UpdateJobResponse> {
  return client.request('POST', `/db/models/${encodeURIComponent(modelId)}/update`, {}, UpdateJobResponseSchema);
}
