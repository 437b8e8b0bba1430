import { z } from 'zod';

// Every non-2xx body. `error` is a stable machine code (e.g. "GatedRepo", "AlreadyDownloaded"),
// `message` is meant for the person reading the screen.
export const ApiErrorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  retry_with: z
    .object({ force: z.literal(true) })
    .optional()
    .describe('AlreadyDownloaded: the same request with these fields checks every file on disk and fetches what differs'),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
