import { z } from 'zod';

// Every non-2xx body. `error` is a stable machine code (e.g. "GatedRepo", "AlreadyDownloaded"),
// `message` is meant for the person reading the screen.
export const ApiErrorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
