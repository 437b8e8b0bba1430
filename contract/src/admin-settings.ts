import { z } from 'zod';

// Settings an administrator changes at run time (GET/PUT /admin/settings), without a restart. The
// environment sets the defaults (README "Settings"); a value saved in the portal overrides it until reset.

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour clock), e.g. "07:30"');

export const BandwidthWindowSchema = z.object({
  from: HHMM.describe('start, server time zone'),
  to: HHMM.describe('end (exclusive); earlier than `from` means past midnight; equal to `from`: all day'),
  limit_bps: z.number().int().min(1).nullable().describe('bytes per second in this window; null: unlimited'),
});
export type BandwidthWindow = z.infer<typeof BandwidthWindowSchema>;

export const RuntimeSettingsSchema = z.object({
  job_concurrency: z.number().int().min(1).max(16).describe('download jobs running at once (JOB_CONCURRENCY)'),
  download_concurrency: z.number().int().min(1).max(64).describe('files downloaded at once per job (DOWNLOAD_CONCURRENCY)'),
  segment_connections: z.number().int().min(1).max(32).describe('connections per large file (SEGMENT_CONNECTIONS)'),
  disk_reserve_mb: z.number().int().min(0).max(8_000_000_000).describe('MB always left free on a storage root (DISK_RESERVE_MB)'),
  bandwidth_limit_bps: z.number().int().min(0).describe('bytes per second shared by every download; 0: unlimited (BANDWIDTH_LIMIT)'),
  bandwidth_schedule: z
    .array(BandwidthWindowSchema)
    .max(24)
    .describe('windows with their own limit; outside them bandwidth_limit_bps applies (BANDWIDTH_SCHEDULE)'),
  update_check_interval_h: z.number().min(0).max(8760).describe('hours between update checks; 0: never (UPDATE_CHECK_INTERVAL_H)'),
  allow_registration: z.boolean().describe('anyone may create an account on the sign-in page (ALLOW_REG)'),
  mirror_enabled: z.boolean().describe('serve the library under /mirror (MIRROR)'),
  mirror_anonymous: z.boolean().describe('the mirror needs no token (MIRROR_ANONYMOUS)'),
  mirror_pull_through: z.boolean().describe('the mirror downloads what it lacks (MIRROR_PULL_THROUGH)'),
});
export type RuntimeSettings = z.infer<typeof RuntimeSettingsSchema>;
export type SettingKey = keyof RuntimeSettings;
export const SETTING_KEYS = Object.keys(RuntimeSettingsSchema.shape) as SettingKey[];

/** The environment variable behind each setting: its value is the default the portal overrides. */
export const SETTING_ENV_NAMES: Readonly<Record<SettingKey, string>> = {
  job_concurrency: 'JOB_CONCURRENCY',
  download_concurrency: 'DOWNLOAD_CONCURRENCY',
  segment_connections: 'SEGMENT_CONNECTIONS',
  disk_reserve_mb: 'DISK_RESERVE_MB',
  bandwidth_limit_bps: 'BANDWIDTH_LIMIT_MBPS',
  bandwidth_schedule: 'BANDWIDTH_SCHEDULE',
  update_check_interval_h: 'UPDATE_CHECK_INTERVAL_H',
  allow_registration: 'ALLOW_REG',
  mirror_enabled: 'MIRROR',
  mirror_anonymous: 'MIRROR_ANONYMOUS',
  mirror_pull_through: 'MIRROR_PULL_THROUGH',
};

/** Where a setting's value comes from: the built-in default, the environment, or the portal. */
export const SettingSourceSchema = z.enum(['default', 'environment', 'portal']);
export type SettingSource = z.infer<typeof SettingSourceSchema>;

// Each key optional; null puts it back to what the environment says.
export const SettingsUpdateSchema = z
  .object(
    Object.fromEntries(SETTING_KEYS.map((k) => [k, RuntimeSettingsSchema.shape[k].nullable().optional()])) as {
      [K in SettingKey]: z.ZodOptional<z.ZodNullable<(typeof RuntimeSettingsSchema.shape)[K]>>;
    },
  )
  .strict()
  .describe('the settings to change (none: nothing changes); null resets one to its environment value');
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;

export const SettingsResponseSchema = z.object({
  settings: RuntimeSettingsSchema,
  sources: z.record(z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]]), SettingSourceSchema).describe('where each value comes from'),
  defaults: RuntimeSettingsSchema.describe('what each value would be without the portal (environment or built-in default)'),
});
export type SettingsResponse = z.infer<typeof SettingsResponseSchema>;
