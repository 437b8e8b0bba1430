// The Settings page (administrators): what changes without a restart (GET/PUT /admin/settings), each value
// with where it comes from, in units people use (MB/s, MB, hours). One form per setting, so a refusal of
// the API is shown beside the field it is about, and saving one value never pins the others.
import { Router, type Request, type Response } from 'express';
import {
  formatBandwidthSchedule,
  parseBandwidthSchedule,
  SETTING_ENV_NAMES,
  SETTING_KEYS,
  SettingsResponseSchema,
  type RuntimeSettings,
  type SettingKey,
  type SettingSource,
  type User,
} from '@d011dl/contract';
import { ApiError } from '../api-client.ts';
import { page, str, type RouterDeps } from './shared.ts';

type Kind = 'count' | 'megabytes' | 'mbps' | 'hours' | 'switch' | 'schedule';
interface Field {
  key: SettingKey;
  label: string;
  help: string;
  kind: Kind;
  /** what the number counts ("jobs"), for count fields */
  unit?: string;
}

export const SETTING_GROUPS: Array<{ title: string; fields: Field[] }> = [
  {
    title: 'Downloads',
    fields: [
      {
        key: 'job_concurrency',
        label: 'Jobs at once',
        kind: 'count',
        unit: 'jobs',
        help: 'Download jobs that run side by side on this server; the others wait in the queue. Lowering it never stops a running job.',
      },
      {
        key: 'download_concurrency',
        label: 'Files at once in a job',
        kind: 'count',
        unit: 'files',
        help: 'Large files fetched side by side (small ones run four times as many). Files that start from now on follow it.',
      },
      {
        key: 'segment_connections',
        label: 'Connections per large file',
        kind: 'count',
        unit: 'connections',
        help: 'Parallel connections for each large file; more help on a fast line with a per-connection limit.',
      },
      {
        key: 'disk_reserve_mb',
        label: 'Disk reserve',
        kind: 'megabytes',
        help: 'Space always left free on every storage root: a download that would eat into it is refused.',
      },
    ],
  },
  {
    title: 'Bandwidth',
    fields: [
      {
        key: 'bandwidth_limit_bps',
        label: 'Bandwidth limit',
        kind: 'mbps',
        help: 'Shared by every download and connection; 0 for no limit. 1 MB/s is 1,000,000 bytes a second.',
      },
      {
        key: 'bandwidth_schedule',
        label: 'Bandwidth schedule',
        kind: 'schedule',
        help: "Time windows with a limit of their own, in the server's time zone; outside them the limit above applies. Write HH:MM-HH:MM=MB/s or =unlimited, separated by commas, e.g. 00:00-07:00=unlimited, 18:00-23:00=5. Empty: no windows.",
      },
    ],
  },
  {
    title: 'Update checks',
    fields: [
      {
        key: 'update_check_interval_h',
        label: 'Check for updates every',
        kind: 'hours',
        help: 'How often downloaded branches are compared with the Hub; 0 turns the checks off.',
      },
    ],
  },
  {
    title: 'Accounts',
    fields: [
      {
        key: 'allow_registration',
        label: 'Open registration',
        kind: 'switch',
        help: 'On: anyone who reaches the sign-in page may create an account. Off: administrators create accounts on the Users page.',
      },
    ],
  },
  {
    title: 'Mirror',
    fields: [
      { key: 'mirror_enabled', label: 'Mirror', kind: 'switch', help: 'Serve the library as a Hugging Face endpoint under /mirror.' },
      {
        key: 'mirror_anonymous',
        label: 'Anonymous reading',
        kind: 'switch',
        help: 'On: the mirror needs no token. Only for a network you trust.',
      },
      {
        key: 'mirror_pull_through',
        label: 'Pull-through',
        kind: 'switch',
        help: 'On: asking the mirror for a repo it lacks queues its download.',
      },
    ],
  },
];
const FIELDS = new Map(SETTING_GROUPS.flatMap((g) => g.fields.map((f) => [f.key, f] as const)));

const plural = (n: number, word: string) => `${n} ${n === 1 ? word.replace(/s$/, '') : word}`;
const mbps = (bps: number) => `${+(bps / 1_000_000).toFixed(3)} MB/s`;

/** A value as a person reads it. */
export function shown(field: Field, v: RuntimeSettings[SettingKey]): string {
  switch (field.kind) {
    case 'count':
      return plural(v as number, field.unit ?? '');
    case 'megabytes':
      return `${(v as number).toLocaleString('en-GB')} MB`;
    case 'mbps':
      return (v as number) === 0 ? 'no limit' : mbps(v as number);
    case 'hours':
      return (v as number) === 0 ? 'off' : plural(v as number, 'hours');
    case 'switch':
      return v ? 'on' : 'off';
    case 'schedule': {
      const text = formatBandwidthSchedule(v as RuntimeSettings['bandwidth_schedule']);
      return text || 'no windows';
    }
  }
}

/** A value as its input holds it. */
function inputValue(field: Field, v: RuntimeSettings[SettingKey]): string {
  if (field.kind === 'mbps') return String(+((v as number) / 1_000_000).toFixed(3));
  if (field.kind === 'schedule') return formatBandwidthSchedule(v as RuntimeSettings['bandwidth_schedule']);
  if (field.kind === 'switch') return v ? 'on' : 'off';
  return String(v);
}

/** The typed text as the API's value, or what is wrong with it; ranges are the API's to check. */
function parseInput(field: Field, raw: string): { value: unknown } | { error: string } {
  const text = raw.trim();
  const number = /^\d+(\.\d+)?$/.test(text) ? Number(text) : null;
  switch (field.kind) {
    case 'count':
    case 'megabytes':
      return number !== null && Number.isInteger(number) ? { value: number } : { error: `${field.label} must be a whole number.` };
    case 'hours':
      return number !== null ? { value: number } : { error: `${field.label} must be a number of hours (0 turns the checks off).` };
    case 'mbps':
      return number !== null ? { value: Math.round(number * 1_000_000) } : { error: `${field.label} must be a number of MB/s (0 for no limit).` };
    case 'switch':
      return text === 'on' || text === 'off' ? { value: text === 'on' } : { error: `${field.label} must be on or off.` };
    case 'schedule': {
      const windows = parseBandwidthSchedule(text);
      return typeof windows === 'string' ? { error: `${field.label}: ${windows}.` } : { value: windows };
    }
  }
}

export function badge(source: SettingSource, key: SettingKey): { text: string; cls: string } {
  if (source === 'portal') return { text: 'set here', cls: 'mid' };
  if (source === 'environment') return { text: `from the environment (${SETTING_ENV_NAMES[key]})`, cls: 'env' };
  return { text: 'default', cls: '' };
}

interface Problems {
  errors?: Partial<Record<SettingKey, string>>;
  typed?: Partial<Record<SettingKey, string>>;
  status?: number;
}

export function settingsRouter({ api }: RouterDeps): Router {
  const router = Router();

  const adminOnly = (res: Response) => {
    if (!(res.locals.user as User).is_admin) throw new ApiError(403, 'Forbidden', 'Only administrators can change the settings.');
  };

  async function show(req: Request, res: Response, extra: Problems = {}) {
    adminOnly(res);
    const view = await api.call(req, res, 'GET', '/admin/settings', SettingsResponseSchema);
    const saved = str(req.query.saved) as SettingKey;
    const savedField = FIELDS.get(saved);
    const notice = savedField
      ? `${savedField.label}: ${shown(savedField, view.settings[saved])}${req.query.reset ? ', the value the environment gives' : ''}. Saved; it applies now.`
      : null;
    if (extra.status) res.status(extra.status);
    page(res, 'settings', {
      title: 'Settings',
      groups: SETTING_GROUPS.map((g) => ({
        title: g.title,
        fields: g.fields.map((f) => ({
          ...f,
          value: shown(f, view.settings[f.key]),
          input: extra.typed?.[f.key] ?? inputValue(f, view.settings[f.key]),
          source: badge(view.sources[f.key], f.key),
          fromPortal: view.sources[f.key] === 'portal',
          fallback: shown(f, view.defaults[f.key]),
          error: extra.errors?.[f.key] ?? null,
        })),
      })),
      notice,
      savedKey: savedField ? saved : null,
    });
  }

  /** PUT one setting; the API's refusal (400) is shown at its field with what was typed. */
  async function save(req: Request, res: Response, key: SettingKey, value: unknown, typed: string | undefined) {
    try {
      await api.call(req, res, 'PUT', '/admin/settings', SettingsResponseSchema, { [key]: value });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 400) throw err;
      return show(req, res, { errors: { [key]: err.message }, typed: typed === undefined ? {} : { [key]: typed }, status: 400 });
    }
    const q = new URLSearchParams({ saved: key, ...(value === null ? { reset: '1' } : {}) });
    res.redirect(303, `/admin/settings?${q}#${key}`);
  }

  function fieldOf(req: Request): Field {
    const field = SETTING_KEYS.includes(req.params.key as SettingKey) ? FIELDS.get(req.params.key as SettingKey) : undefined;
    if (!field) throw new ApiError(404, 'NotFound', 'No such setting.');
    return field;
  }

  router.get('/admin/settings', (req, res) => show(req, res));
  router.post('/admin/settings/:key', async (req, res) => {
    adminOnly(res);
    const field = fieldOf(req);
    const typed = str(req.body.value);
    const parsed = parseInput(field, typed);
    if ('error' in parsed) return show(req, res, { errors: { [field.key]: parsed.error }, typed: { [field.key]: typed }, status: 400 });
    return save(req, res, field.key, parsed.value, typed);
  });
  router.post('/admin/settings/:key/reset', async (req, res) => {
    adminOnly(res);
    return save(req, res, fieldOf(req).key, null, undefined);
  });
  return router;
}
