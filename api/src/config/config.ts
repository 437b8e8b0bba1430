import path from 'node:path';
import { readEnv } from '@d011dl/contract/env';
import { z } from 'zod';
import { trustEntryKind } from '../plugins/trusted-proxies.ts';
import { parseStorageRoots } from './storage-roots.ts';
import { parseBandwidthSchedule, type BandwidthWindow } from '@d011dl/contract';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const port = z.coerce.number().int('must be a whole number').min(1).max(65535);

// Documented in .env.example; each name here is the variable a user sets.
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT_API: port.default(32002),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  JWT_SECRET: z.string().optional(),
  ACCESS_TOKEN_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(24 * 3600)
    .default(15 * 60),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  BCRYPT_ROUNDS: z.coerce.number().int('must be a whole number').min(10, 'must be between 10 and 12').max(12, 'must be between 10 and 12').default(12),
  ALLOW_REG: bool.default(false),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  STORAGE_ROOT: z.string().min(1).optional(),
  STORAGE_DISPLAY_ROOT: z.string().trim().min(1, 'must not be empty (leave it unset to show server paths)').max(1024).optional(),
  STORAGE_ROOTS: z.string().trim().optional(),
  STORAGE_DISPLAY_ROOTS: z.string().trim().optional(),
  DEDUP: z.enum(['auto', 'off']).default('auto'),
  TRASH_DAYS: z.coerce.number().int('must be a whole number of days').min(0).max(3650).default(7),
  HF_ENDPOINT: z.url('must be a URL such as https://huggingface.co').default('https://huggingface.co'),
  HF_TOKEN: z.string().optional(),
  HF_TIMEOUT_MS: z.coerce.number().int().min(1000).default(20_000),
  PGHOST: z.string().optional(),
  PGPORT: port.default(5432),
  PGUSER: z.string().optional(),
  PGPASSWORD: z.string().optional(),
  PGDATABASE: z.string().optional(),
  PGSSLMODE: z.enum(['disable', 'prefer', 'require', 'no-verify']).optional(),
  TRUST_PROXY: z
    .string()
    .trim()
    .transform((v) =>
      ['', 'false'].includes(v.toLowerCase())
        ? false
        : v.toLowerCase() === 'true'
          ? true
          : v
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
    )
    .refine(
      (v) => typeof v === 'boolean' || v.every((x) => trustEntryKind(x) !== null),
      'must be true, false, or a comma-separated list of addresses, CIDRs, loopback/linklocal/uniquelocal or host names',
    )
    .optional(),
  PORTAL_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  DATA_KEY: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  DOWNLOAD_ENGINE: z.enum(['node', 'hf']).default('node'),
  DOWNLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SEGMENT_CONNECTIONS: z.coerce.number().int().min(1).max(32).default(8),
  DOWNLOAD_RETRIES: z.coerce.number().int().min(3, 'must be at least 3').max(100).default(5),
  STALL_TIMEOUT_S: z.coerce.number().min(1).max(3600).default(30),
  HUB_OUTAGE_TIMEOUT_H: z.coerce
    .number()
    .min(0, 'must be 0 or more hours')
    .max(24 * 30)
    .default(24),
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  DISK_RESERVE_MB: z.coerce.number().int().min(0).max(8_000_000_000).default(512),
  COPY_MAX_MBPS: z.coerce.number().min(0, 'must be 0 (no limit) or more').default(0),
  BANDWIDTH_LIMIT_MBPS: z.coerce.number().min(0, 'must be 0 (no limit) or more MB/s').default(0),
  BANDWIDTH_SCHEDULE: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const w = parseBandwidthSchedule(v);
      if (typeof w === 'string') ctx.addIssue({ code: 'custom', message: w });
      return typeof w === 'string' ? [] : w;
    }),
  LOG_DIR: z.string().min(1).optional(),
  HF_CLI: z.string().min(1).default('hf'),
  JOB_HEARTBEAT_S: z.coerce.number().int().min(10, 'must be at least 10').max(600).default(20),
  PG_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
  MIRROR: bool.default(true),
  MIRROR_ANONYMOUS: bool.default(false),
  MIRROR_PULL_THROUGH: bool.default(false),
  UPDATE_CHECK_INTERVAL_H: z.coerce
    .number()
    .min(0, 'must be 0 (off) or more hours')
    .max(24 * 365)
    .default(6),
  PUBLIC_URL: z
    .url('must be the address people open the portal at, such as https://models.example.org')
    .refine((v) => /^https?:/.test(v), 'must start with http:// or https://')
    .optional(),
  WEBHOOK_RETRY_BASE_S: z.coerce.number().min(0.01, 'must be at least 0.01 seconds').max(3600).default(10),
  WEBHOOK_TIMEOUT_S: z.coerce.number().min(1, 'must be at least 1 second').max(120).default(10),
  SMTP_URL: z
    .string()
    .trim()
    .refine(
      (v) => URL.canParse(v) && ['smtp:', 'smtps:'].includes(new URL(v).protocol) && new URL(v).hostname !== '',
      'must be smtp://[user:password@]host[:port] or smtps://…',
    )
    .optional(),
  SMTP_FROM: z.string().trim().min(3).max(254).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface PgConnection {
  host: string;
  port: number;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  ssl?: boolean | { rejectUnauthorized: false } | undefined;
}

export interface StorageRootConfig {
  name: string;
  path: string;
  displayRoot: string | null;
}

export interface AppConfig {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  // unset: readable lines on a terminal, JSON lines otherwise (a file, a pipe, a log collector)
  logFormat: Env['LOG_FORMAT'];
  auth: {
    // undefined only in development: the server then keeps a generated secret in DATA_DIR
    jwtSecret: string | undefined;
    accessTokenTtlS: number;
    refreshTokenTtlDays: number;
    bcryptRounds: number;
    allowRegistration: boolean;
    loginRateLimit: number;
  };
  dataDir: string;
  // the default root's path (roots[0])
  storageRoot: string;
  // how people reach STORAGE_ROOT (\\nas\models, /Volumes/models); null: show server paths
  storageDisplayRoot: string | null;
  // every storage root, the default one ("default", STORAGE_ROOT) first
  storageRoots: StorageRootConfig[];
  // link a file already complete on the same root instead of downloading it again
  dedup: 'auto' | 'off';
  // days an update's replaced folder is kept in <root>/.d011dl/trash
  trashDays: number;
  hub: { endpoint: string; token: string | undefined; timeoutMs: number };
  // null: start the embedded PostgreSQL under DATA_DIR/pg
  pg: PgConnection | null;
  pgPoolMax: number;
  downloads: {
    engine: 'node' | 'hf';
    hfCli: string;
    heartbeatSeconds: number;
    fileConcurrency: number;
    segmentConnections: number;
    retries: number;
    stallTimeoutMs: number;
    /** how long a file keeps waiting for the Hub without receiving a byte before it fails */
    outageTimeoutMs: number;
    jobConcurrency: number;
    diskReserveBytes: number;
    // move and copy jobs read at most this many bytes per second (0: no limit)
    copyMaxBytesPerSecond: number;
    logDir: string;
  };
  // false, true (everyone: only behind a proxy that overwrites X-Forwarded-For), or the proxies trusted:
  // addresses, CIDRs, proxy-addr keywords and host names (looked up again and again)
  trustProxy: boolean | string[];
  // set: X-Forwarded-For only from requests carrying it (the portal), see plugins/portal-secret.ts
  portalSecret: string | undefined;
  // encrypts users' Hugging Face tokens at rest (api/src/account/token-cipher.ts); unset: generated in DATA_DIR
  dataKey: string | undefined;
  // the library served back as a Hugging Face–compatible endpoint under /mirror (api/src/mirror/)
  mirror: { enabled: boolean; anonymous: boolean; pullThrough: boolean };
  // hours between checks of downloaded branches at the Hub (api/src/updates); 0: never
  updateCheckIntervalH: number;
  // bytes/s shared by every download (0: none), and windows of the day with their own limit
  bandwidth: { limitBps: number; schedule: BandwidthWindow[] };
  // the names of the variables set in the environment, so the settings page can say where a value comes from
  envSet: ReadonlySet<string>;
  // notifications (api/src/notify): links into the portal, and how webhooks are retried
  notify: { publicUrl: string | null; retryBaseS: number; timeoutMs: number; smtp: { url: string; from: string } | null };
}

// The value shipped in .env.example: a deployment that still carries it has not been configured.
export const EXAMPLE_JWT_SECRET = 'change-me-to-a-long-random-string-of-at-least-32-characters';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // Every problem is reported at once, so a deployment is fixed in one edit rather than one per restart.
  const { raw, data, problems } = readEnv(EnvSchema, source);
  const nodeEnv = raw.NODE_ENV ?? 'development';
  const secret = raw.JWT_SECRET;
  if (nodeEnv !== 'development') {
    if (!secret) problems.push('JWT_SECRET: is required outside development (use at least 32 random characters)');
    else if (secret.length < 32) problems.push('JWT_SECRET: must be at least 32 characters');
    else if (secret === EXAMPLE_JWT_SECRET) problems.push('JWT_SECRET: still the example value from .env.example; generate one with `openssl rand -hex 32`');
  } else if (secret !== undefined && secret.length < 32) {
    problems.push('JWT_SECRET: must be at least 32 characters (or unset in development to use a generated one)');
  }
  if (raw.HF_TOKEN !== undefined && !raw.HF_TOKEN.startsWith('hf_')) problems.push('HF_TOKEN: Hugging Face tokens start with "hf_"');
  const dataDir = path.resolve(data?.DATA_DIR ?? '.');
  const storageRoot = path.resolve(data?.STORAGE_ROOT ?? path.join(dataDir, 'models'));
  const storageRoots = data ? parseStorageRoots(storageRoot, data.STORAGE_DISPLAY_ROOT ?? null, data.STORAGE_ROOTS, data.STORAGE_DISPLAY_ROOTS) : [];
  if (typeof storageRoots === 'string') problems.push(storageRoots);
  if (problems.length || !data || typeof storageRoots === 'string') throw new ConfigError(problems);
  const e = data;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT_API,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    auth: {
      jwtSecret: e.JWT_SECRET,
      accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
      bcryptRounds: e.BCRYPT_ROUNDS,
      allowRegistration: e.ALLOW_REG,
      loginRateLimit: e.LOGIN_RATE_LIMIT,
    },
    dataDir,
    storageRoot,
    storageDisplayRoot: e.STORAGE_DISPLAY_ROOT ?? null,
    storageRoots,
    dedup: e.DEDUP,
    trashDays: e.TRASH_DAYS,
    hub: { endpoint: e.HF_ENDPOINT.replace(/\/+$/, ''), token: e.HF_TOKEN, timeoutMs: e.HF_TIMEOUT_MS },
    pg: e.PGHOST
      ? {
          host: e.PGHOST,
          port: e.PGPORT,
          user: e.PGUSER,
          password: e.PGPASSWORD,
          database: e.PGDATABASE,
          ssl: e.PGSSLMODE === 'require' ? true : e.PGSSLMODE === 'no-verify' ? { rejectUnauthorized: false } : undefined,
        }
      : null,
    pgPoolMax: e.PG_POOL_MAX,
    trustProxy: e.TRUST_PROXY ?? false,
    portalSecret: e.PORTAL_SECRET,
    dataKey: e.DATA_KEY,
    mirror: { enabled: e.MIRROR, anonymous: e.MIRROR_ANONYMOUS, pullThrough: e.MIRROR_PULL_THROUGH },
    updateCheckIntervalH: e.UPDATE_CHECK_INTERVAL_H,
    bandwidth: { limitBps: Math.round(e.BANDWIDTH_LIMIT_MBPS * 1_000_000), schedule: e.BANDWIDTH_SCHEDULE },
    envSet: new Set(Object.keys(raw).filter((k) => k in EnvSchema.shape)),
    notify: {
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
      retryBaseS: e.WEBHOOK_RETRY_BASE_S,
      timeoutMs: e.WEBHOOK_TIMEOUT_S * 1000,
      smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.SMTP_FROM ?? `D011DL <d011dl@${new URL(e.SMTP_URL).hostname}>` } : null,
    },
    downloads: {
      engine: e.DOWNLOAD_ENGINE,
      hfCli: e.HF_CLI,
      heartbeatSeconds: e.JOB_HEARTBEAT_S,
      fileConcurrency: e.DOWNLOAD_CONCURRENCY,
      segmentConnections: e.SEGMENT_CONNECTIONS,
      retries: e.DOWNLOAD_RETRIES,
      stallTimeoutMs: e.STALL_TIMEOUT_S * 1000,
      outageTimeoutMs: Math.round(e.HUB_OUTAGE_TIMEOUT_H * 3600_000),
      jobConcurrency: e.JOB_CONCURRENCY,
      diskReserveBytes: e.DISK_RESERVE_MB * 1024 * 1024,
      copyMaxBytesPerSecond: Math.round(e.COPY_MAX_MBPS * 1_000_000),
      // ".d011dl" can never be a Hugging Face author name (those start with a letter or digit)
      logDir: path.resolve(e.LOG_DIR ?? path.join(storageRoot, '.d011dl', 'logs')),
    },
  };
}
