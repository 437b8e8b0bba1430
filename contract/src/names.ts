import { z } from 'zod';

// Same rule the Hub applies to namespaces and repo names (huggingface_hub validate_repo_id), minus
// Unicode: anything we accept becomes a directory name on the NAS, so we stay ASCII.
const HF_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// control characters, as a regular-expression class body (for the OpenAPI patterns below)
const CONTROL = '\\u0000-\\u001f\\u007f';

export const HfNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(96, 'must be at most 96 characters')
  .regex(HF_NAME, 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"')
  .refine((s) => !s.includes('--') && !s.includes('..'), 'must not contain "--" or ".."')
  .refine((s) => !s.endsWith('.git'), 'must not end in ".git"')
  // the whole rule for the OpenAPI document (the refinements above give the clearer messages)
  .meta({ pattern: '^(?!.*--)(?!.*\\.\\.)(?!.*\\.git$)[A-Za-z0-9][A-Za-z0-9_.-]*$' });

// A git ref or commit. Branch names may contain "/" (refs/pr/1, feature/x) but never a "." or ".."
// segment, a backslash or control characters: the revision becomes one folder on disk.
export const RevisionSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((s) => !/[\\\u0000-\u001f\u007f]/.test(s), 'must not contain backslashes or control characters')
  .refine((s) => s.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'), 'must not contain empty, "." or ".." segments')
  .meta({ pattern: `^(?!.*[\\\\${CONTROL}])(?!/)(?!.*//)(?!.*/$)(?!(?:.*/)?\\.\\.?(?:/|$)).+$` });

export const RepoRefSchema = z.object({
  author: HfNameSchema,
  repo: HfNameSchema,
});
export type RepoRef = z.infer<typeof RepoRefSchema>;

// A file or folder path inside a repo, as the Hub spells it. It is joined under the storage root, so
// anything that could climb out of it or mean something else on another OS is refused.
export const RepoPathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine((s) => !s.startsWith('/'), 'must be relative to the repo (no leading "/")')
  .refine((s) => !s.includes('\\'), 'must not contain backslashes')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain NUL or control characters')
  .refine((s) => !/^[A-Za-z]:/.test(s), 'must not start with a drive letter')
  .transform((s) => s.replace(/\/+$/, ''))
  .refine((s) => s.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'), 'must not contain empty, "." or ".." segments')
  // trailing "/" are dropped first, so "a/" is fine but "a//b" is not
  .meta({ pattern: `^(?![A-Za-z]:)(?!/)(?!.*[\\\\${CONTROL}])(?!.*//+[^/])(?!(?:.*/)?\\.\\.?(?:/+$|/[^/]|$)).+$` });
