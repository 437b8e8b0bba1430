// GET /api/whoami-v2: who a token belongs to, as the Hub answers it (docs/hub-protocol.md#errors for the
// 401s). Clients (huggingface_hub's whoami, huggingface.js's whoAmI) read name, type and auth.accessToken.
import { createHash } from 'node:crypto';
import { INVALID_TOKEN, viewerOf } from './access.ts';
import { sendError, sendJson } from './body.ts';
import type { RequestContext } from './context.ts';

// stable per name, shaped like the Hub's 24-hex-digit ids
const idOf = (name: string) => createHash('sha256').update(`user:${name}`).digest('hex').slice(0, 24);

export function handleWhoami(ctx: RequestContext): Promise<void> {
  const viewer = viewerOf(ctx.req, ctx.sim.store.tokens);
  if (viewer.invalidToken) return sendError(ctx, INVALID_TOKEN);
  const name = viewer.user;
  if (!name) return sendError(ctx, { status: 401, message: 'Invalid username or password.' });
  return sendJson(ctx, 200, {
    type: 'user',
    id: idOf(name),
    name,
    fullname: name.charAt(0).toUpperCase() + name.slice(1),
    email: `${name}@example.com`,
    emailVerified: true,
    canPay: false,
    isPro: false,
    periodEnd: null,
    avatarUrl: `/avatars/${idOf(name)}.svg`,
    orgs: [],
    auth: { type: 'access_token', accessToken: { displayName: `${name}'s token`, role: 'read' } },
  });
}
