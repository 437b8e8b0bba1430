// The signed-in user's own account (issue 17): their password and their Hugging Face token. Shapes
// come from @d011dl/contract; the token goes to the server once and is never read back.
import {
  ChangePasswordResponseSchema,
  HfTokenStatusSchema,
  SetHfTokenResponseSchema,
  type ChangePasswordResponse,
  type HfTokenStatus,
  type SetHfTokenResponse,
} from '@d011dl/contract';
import type { ApiClient } from './client';

export function changePassword(client: ApiClient, currentPassword: string, newPassword: string): Promise<ChangePasswordResponse> {
  return client.request('PUT', '/me/password', { body: { current_password: currentPassword, new_password: newPassword } }, ChangePasswordResponseSchema);
}

export function hfTokenStatus(client: ApiClient): Promise<HfTokenStatus> {
  return client.request('GET', '/me/hf-token', {}, HfTokenStatusSchema);
}

export function setHfToken(client: ApiClient, token: string): Promise<SetHfTokenResponse> {
  return client.request('PUT', '/me/hf-token', { body: { token: token.trim() } }, SetHfTokenResponseSchema);
}

export async function removeHfToken(client: ApiClient): Promise<void> {
  await client.request('DELETE', '/me/hf-token', {});
}
