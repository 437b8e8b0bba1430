// Reading settings from an environment, shared by the API and the portal (not part of the HTTP
// contract, so not exported from the index: `@d011dl/contract/env`).
import type { z } from 'zod';

// SMTP_URL may carry the mail account's password
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|SMTP_URL/;

export interface EnvReading<T> {
  /** the variables that are set; empty values count as unset, as docker-compose writes them */
  raw: Record<string, string>;
  /** the parsed settings, or undefined when `problems` is not empty */
  data: T | undefined;
  /** one line per bad variable, `NAME: what is wrong (got …)`, every one at once; secrets never echoed */
  problems: string[];
}

export function readEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): EnvReading<z.infer<S>> {
  const raw = Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { raw, data: parsed.data, problems: [] };
  const problems = parsed.error.issues.map((i) => {
    const name = String(i.path[0] ?? '?');
    const got = raw[name] === undefined ? ' (not set)' : SECRET_NAME.test(name) ? '' : ` (got ${JSON.stringify(raw[name])})`;
    return `${name}: ${i.message}${got}`;
  });
  return { raw, data: undefined, problems };
}

/**
 * Adds the settings of a .env file (ENV_FILE, default ./.env) to process.env, for each process started
 * from a shell (the API, the portal, npm start, user:add). The real environment wins over the file:
 * process.loadEnvFile does not overwrite a variable that is set. No file, no change.
 */
export function loadDotEnv(): NodeJS.ProcessEnv {
  try {
    process.loadEnvFile(process.env.ENV_FILE ?? '.env');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return process.env;
}
