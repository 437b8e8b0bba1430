// Answers every route can give whatever its handler does, added to the OpenAPI document so that it
// lists them all: 401 without a valid token (private routes), 400 when a parameter or body fails its
// schema, 404 for an unknown id in the path, 413/415 for a body too large or of another type (Fastify).
// A 204 has no body, so it documents no content.
import { ApiErrorSchema } from '@d011dl/contract';
import { z } from 'zod';

// biome-ignore lint/suspicious/noExplicitAny: it walks whatever the generated OpenAPI document holds
type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

const { $schema: _ignored, ...errorSchema } = z.toJSONSchema(ApiErrorSchema) as Json;
const answer = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });

const COMMON: Record<string, string> = {
  400: 'The request does not match its schema (the message names each field)',
  401: 'No valid access token: sign in (POST /auth/login) and send "Authorization: Bearer <token>"',
  404: 'Nothing with that id (or not yours)',
  413: 'The body is larger than 256 KB',
  415: 'The body is not JSON',
};

/** Schema key of a route whose body may be left out (see completeResponses). */
export const BODY_OPTIONAL = 'x-body-optional';

export function completeResponses(doc: Json): Json {
  const globalSecurity = doc.security ?? [];
  for (const item of Object.values<Json>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const responses: Json = (op.responses ??= {});
      const params: Json[] = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const add = (code: number) => {
        responses[code] ??= answer(COMMON[code]!);
      };
      if ((op.security ?? globalSecurity).length > 0) add(401);
      if (params.length > 0 || op.requestBody) add(400);
      if (params.some((p) => p.in === 'path')) add(404);
      if (op.requestBody) {
        add(413);
        add(415);
      }
      if (responses[204]) responses[204] = { description: responses[204].description ?? 'No content' };
      // a route that takes a missing body as {} (a bare POST, as curl sends it) says so: @fastify/swagger
      // marks every body required
      if (op[BODY_OPTIONAL] && op.requestBody) op.requestBody.required = false;
      delete op[BODY_OPTIONAL];
    }
  }
  return doc;
}
