import { ApiErrorSchema } from '@d011dl/contract';

/** The error answers a route documents (its OpenAPI entry lists them; Schemathesis holds it to them). */
export function errorResponses<const C extends number>(...codes: C[]): Record<C, typeof ApiErrorSchema> {
  return Object.fromEntries(codes.map((c) => [c, ApiErrorSchema])) as Record<C, typeof ApiErrorSchema>;
}
