import {
  AdminCreateUserRequestSchema,
  AdminUpdateUserRequestSchema,
  AdminUsersResponseSchema,
  ApiErrorSchema,
  IdParamsSchema,
  UserSchema,
} from '@d011dl/contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContext } from '../audit/audit-context.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { AdminUsersService } from './admin-users.service.ts';

const errors = { 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };

// Account management; every route here is for administrators only.
export async function adminRoutes(app: FastifyInstance, opts: { auth: AuthService; admin: AdminUsersService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // before the body is validated: a non-admin learns only that this is not for them
  app.addHook('preValidation', app.requireAdmin);

  r.get(
    '/admin/users',
    {
      schema: { tags: ['admin'], summary: 'Every account (administrators only)', response: { 200: AdminUsersResponseSchema, ...errors } },
    },
    async () => ({ users: await opts.admin.list() }),
  );

  r.post(
    '/admin/users',
    {
      schema: { tags: ['admin'], summary: 'Create a user (administrators only)', body: AdminCreateUserRequestSchema, response: { 201: UserSchema, ...errors } },
    },
    async (req, reply) => reply.code(201).send(await opts.auth.createUser(req.body.username, req.body.password, req.body.is_admin, auditContext(req))),
  );

  r.patch(
    '/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Disable or enable a user, grant or take administrator rights, or set a new password (administrators only)',
        params: IdParamsSchema,
        body: AdminUpdateUserRequestSchema,
        response: { 200: UserSchema, ...errors },
      },
    },
    async (req) => opts.admin.update(auditContext(req), req.params.id, req.body),
  );

  r.delete(
    '/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Delete a user (administrators only): their sessions and access tokens end, their downloads stay as "deleted user". Not yourself, not the last enabled administrator',
        params: IdParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      await opts.admin.remove(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
