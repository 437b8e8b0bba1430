import { z } from 'zod';

const CheckSchema = z.object({ ok: z.boolean(), error: z.string().optional() });

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'down']),
  checks: z.object({
    database: CheckSchema,
    storage: CheckSchema.extend({
      path: z.string(),
      free_bytes: z.number().int().optional(),
      total_bytes: z.number().int().optional(),
    }),
  }),
  version: z.string(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
