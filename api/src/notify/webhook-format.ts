// What a webhook's request looks like for each preset, and its signature. Every preset's body is signed
// the same way (README, "Notifications": how to verify).
import { createHmac } from 'node:crypto';
import { formatBytes, type WebhookPreset } from '@d011dl/contract';

export interface EventPayload {
  event: string;
  id: string;
  time: string;
  download?: { id: string; repo: string; revision: string; status: string; bytes_total: number; files_total: number; error?: string; url?: string };
  model?: { id: string; repo: string; revision: string; commit: string | null; hub_commit?: string | null; url?: string };
  message?: string;
}

export interface OutgoingBody {
  body: string;
  contentType: string;
  /** preset headers (ntfy's Title, Tags, Priority, Click) */
  headers: Record<string, string>;
}

/** Links into the portal, when PUBLIC_URL says where people reach it. */
export function withLinks(p: EventPayload, publicUrl: string | null): EventPayload {
  if (!publicUrl) return p;
  const base = publicUrl.replace(/\/+$/, '');
  return {
    ...p,
    ...(p.download ? { download: { ...p.download, url: `${base}/jobs/${p.download.id}` } } : {}),
    ...(p.model ? { model: { ...p.model, url: p.event === 'update.available' ? `${base}/models/${p.model.id}/changes` : `${base}/models` } } : {}),
  };
}

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : '?');

/** A title and a line or two for people (ntfy, Discord, Slack, e-mail). */
export function describe(p: EventPayload): { title: string; text: string; tags: string; priority: string; color: number; url: string | null } {
  const d = p.download;
  const m = p.model;
  const where = (x: { repo: string; revision: string }) => `${x.repo} (${x.revision})`;
  if (p.event === 'download.succeeded' && d)
    return {
      title: `Downloaded ${where(d)}`,
      text: `${d.files_total} files, ${formatBytes(d.bytes_total)}`,
      tags: 'white_check_mark',
      priority: 'default',
      color: 0x2e7d32,
      url: d.url ?? null,
    };
  if (p.event === 'download.failed' && d)
    return { title: `Download failed: ${where(d)}`, text: d.error ?? 'failed', tags: 'x', priority: 'high', color: 0xc62828, url: d.url ?? null };
  if (p.event === 'update.available' && m)
    return {
      title: `Update available: ${where(m)}`,
      text: `The branch moved to ${short(m.hub_commit)} (downloaded: ${short(m.commit)})`,
      tags: 'arrows_counterclockwise',
      priority: 'default',
      color: 0x1565c0,
      url: m.url ?? null,
    };
  return { title: 'D011DL test notification', text: p.message ?? 'This webhook works.', tags: 'bell', priority: 'low', color: 0x616161, url: null };
}

// HTTP header values must be Latin-1; names on the Hub are ASCII, but an error message may not be
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 250);

export function formatBody(preset: WebhookPreset, p: EventPayload): OutgoingBody {
  if (preset === 'generic') return { body: JSON.stringify(p), contentType: 'application/json', headers: {} };
  const h = describe(p);
  if (preset === 'ntfy') {
    // https://docs.ntfy.sh/publish/: the body is the message; title, tags, priority and link as headers
    const headers: Record<string, string> = { Title: headerSafe(h.title), Tags: h.tags, Priority: h.priority };
    if (h.url) headers.Click = headerSafe(h.url);
    return { body: h.text, contentType: 'text/plain; charset=utf-8', headers };
  }
  if (preset === 'discord') {
    // https://discord.com/developers/docs/resources/webhook#execute-webhook: content ≤ 2000, embed description ≤ 4096
    const embed = { title: h.title.slice(0, 256), description: h.text.slice(0, 4000), color: h.color, timestamp: p.time, ...(h.url ? { url: h.url } : {}) };
    return { body: JSON.stringify({ content: h.title.slice(0, 2000), embeds: [embed] }), contentType: 'application/json', headers: {} };
  }
  // Slack incoming webhooks: `text` is the notification's fallback, `blocks` what the channel shows
  const link = h.url ? `\n<${h.url}|Open in D011DL>` : '';
  const blocks = [
    { type: 'header', text: { type: 'plain_text', text: h.title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `${h.text}${link}`.slice(0, 3000) } },
  ];
  return { body: JSON.stringify({ text: `${h.title}: ${h.text}`, blocks }), contentType: 'application/json', headers: {} };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): the timestamp is signed too, so a captured request cannot be replayed later under a new one. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
