// An audit log entry (GET /admin/audit) as a sentence for the portal's Audit log page:
// "alice changed settings: job concurrency 3 → 1", "failed sign-in as bob from 10.0.0.5".
import { formatBytes, type AuditEntry } from '@d011dl/contract';

/** The areas of the filter, in the order the page offers them. */
export const AUDIT_AREAS: Array<[string, string]> = [
  ['auth', 'Sign-ins'],
  ['user', 'Users'],
  ['token', 'Access tokens'],
  ['settings', 'Settings'],
  ['download', 'Downloads'],
  ['model', 'Library'],
];

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const words = (key: string) => key.replaceAll('_', ' ');
/** A setting's value: numbers and words as they are, anything else (a schedule) as JSON. */
const value = (v: unknown): string =>
  v === null ? 'none' : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);

function userChange(d: Record<string, unknown>, who: string): string {
  const parts: string[] = [];
  if (d.disabled === true) parts.push(`disabled ${who}`);
  if (d.disabled === false) parts.push(`enabled ${who}`);
  if (d.is_admin === true) parts.push(`made ${who} an administrator`);
  if (d.is_admin === false) parts.push(`took administrator rights from ${who}`);
  if (d.password_reset === true) parts.push(`set a new password for ${who}`);
  return parts.length ? parts.join(', ') : `changed nothing of ${who}`;
}

/** "<who> <did what>": the actor's name (kept after the account was deleted), or the server itself. */
export function describeAudit(e: AuditEntry): string {
  const who = e.actor.username ?? 'the server';
  const target = e.target ?? '';
  const d = e.details;
  const from = e.ip ? ` from ${e.ip}` : '';
  switch (e.action) {
    case 'auth.login':
      return `${who} signed in${from}`;
    case 'auth.login_failed':
      return `failed sign-in as ${target}${from}${d.reason ? ` (${str(d.reason)})` : ''}`;
    case 'auth.logout':
      return `${who} signed out`;
    case 'user.register':
      return `${target} registered${d.is_admin ? ' as the first administrator' : ''}${from}`;
    case 'user.create':
      return `${e.actor.username ?? 'the shell (npm run user:add)'} created the account ${target}${d.is_admin ? ' (administrator)' : ''}`;
    case 'user.update':
      return `${who} ${userChange(d, target)}`;
    case 'user.delete': {
      const jobs = num(d.jobs_kept);
      return `${who} deleted the account ${target}${jobs ? ` (${jobs} ${jobs === 1 ? 'job' : 'jobs'} kept as "deleted user")` : ''}`;
    }
    case 'token.create':
      return `${who} created the access token "${target}"${d.scope ? ` (${str(d.scope)})` : ''}`;
    case 'token.revoke':
      return `${who} revoked the access token "${target}"`;
    case 'settings.update': {
      const changes = Object.entries(d).map(([k, v]) => {
        const c = v as { from?: unknown; to?: unknown } | null;
        return c && typeof c === 'object' && 'to' in c ? `${words(k)} ${value(c.from)} → ${value(c.to)}` : words(k);
      });
      return `${who} changed settings: ${changes.join(', ') || target}`;
    }
    case 'download.start':
      return `${who} started a download of ${target}${d.storage && d.storage !== 'default' ? ` to ${str(d.storage)}` : ''}${num(d.bytes) !== null ? ` (${formatBytes(num(d.bytes))})` : ''}`;
    case 'download.cancel':
      return `${who} paused ${target}`;
    case 'download.retry':
      return `${who} ${d.was === 'canceled' ? 'resumed' : 'retried'} ${target}`;
    case 'model.delete':
      return `${who} deleted ${target}${d.storage ? ` from ${str(d.storage)}` : ''}${num(d.freed_bytes) !== null ? ` (${formatBytes(num(d.freed_bytes))} freed)` : ''}`;
    case 'model.delete_files': {
      const n = num(d.deleted_files) ?? 0;
      return `${who} deleted ${n} ${n === 1 ? 'file' : 'files'} of ${target}${num(d.freed_bytes) !== null ? ` (${formatBytes(num(d.freed_bytes))} freed)` : ''}`;
    }
    case 'model.move':
      return `${who} started moving ${target} from ${str(d.from)} to ${str(d.to)}`;
    case 'model.copy':
      return `${who} started copying ${target} from ${str(d.from)} to ${str(d.to)}`;
    case 'model.import':
      return `${who} imported ${target} from disk${d.storage ? ` on ${str(d.storage)}` : ''}`;
    case 'model.update':
      return `${who} started an update of ${target}${d.to_commit ? ` to ${str(d.to_commit).slice(0, 12)}` : ''}`;
    default:
      // actions of areas this page does not know yet still read as a sentence
      return `${who}: ${words(e.action.replace('.', ' '))}${target ? ` ${target}` : ''}`;
  }
}
