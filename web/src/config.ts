// The portal's settings, validated once at start; every problem is reported at once, by variable name.
import { readEnv } from '@d011dl/contract/env';
import { z } from 'zod';

const Env = z.object({
  API_BASE_URL: z.string().regex(/^https?:\/\/[^/]+/, "must be the API's http(s) URL, e.g. http://localhost:32002"),
  PORT_WEB: z.coerce
    .number()
    .int('must be a port number (1-65535)')
    .min(1, 'must be a port number (1-65535)')
    .max(65535, 'must be a port number (1-65535)')
    .default(32001),
  HOST: z.string().default('0.0.0.0'),
  WEB_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // the same value as the API's: it then believes the browsers' addresses the portal passes on
  PORTAL_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  // Express `trust proxy`: true, or addresses/CIDRs/keywords of the proxies in front of the portal
  TRUST_PROXY: z
    .string()
    .trim()
    .transform((v) => (v.toLowerCase() === 'false' ? undefined : v.toLowerCase() === 'true' ? true : v))
    .optional(),
});

export interface WebConfig {
  apiBaseUrl: string;
  port: number;
  host: string;
  secret: string | undefined;
  portalSecret: string | undefined;
  trustProxy: boolean | string | undefined;
}

export class WebConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid settings:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

export function loadWebConfig(source: NodeJS.ProcessEnv): WebConfig {
  // empty means unset, as in docker-compose (`WEB_SECRET: ${WEB_SECRET:-}`)
  const { data: e, problems } = readEnv(Env, source);
  if (!e) throw new WebConfigError(problems);
  return { apiBaseUrl: e.API_BASE_URL, port: e.PORT_WEB, host: e.HOST, secret: e.WEB_SECRET, portalSecret: e.PORTAL_SECRET, trustProxy: e.TRUST_PROXY };
}
