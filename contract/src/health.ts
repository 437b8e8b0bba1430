import { z } from 'zod';

const CheckSchema = z.object({ ok: z.boolean(), error: z.string().optional() });

const StorageCheckSchema = CheckSchema.extend({
  path: z.string(),
  free_bytes: z.number().int().optional(),
  total_bytes: z.number().int().optional(),
});

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']).describe('down (503): the database or the default storage root; degraded (200): another storage root'),
  checks: z.object({
    database: CheckSchema,
    storage: StorageCheckSchema.describe('the default storage root (STORAGE_ROOT)'),
    roots: z.array(StorageCheckSchema.extend({ name: z.string() })).describe('every storage root, the default one first'),
  }),
  version: z.string(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
