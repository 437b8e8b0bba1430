// Sends the deliveries that notify-events.ts wrote: a poller takes those that are due (leased, so
// several instances share the work and a crashed one's are taken up again), sends each on its own
// (a slow receiver holds up nothing else, and never a job: jobs only write rows), records every attempt
// and schedules the next one with backoff.
import { openText, type TokenCipher } from '../account/token-cipher.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/pool.ts';
import { type DeliveryRow, notifyRepository as repo, type WebhookRow } from './notify.repository.ts';
import { describe, type EventPayload, formatBody, signature, withLinks } from './webhook-format.ts';

/** 5 attempts; with the default base of 10 s the retries come after 10 s, 1 min, 5 min, 30 min and 2 h. */
export const RETRY_FACTORS = [1, 6, 30, 180, 720];
export const MAX_ATTEMPTS = RETRY_FACTORS.length;
const MAX_IN_FLIGHT = 16;
// how often to look for deliveries written by a job (this instance's or another's)
const DEFAULT_POLL_MS = 1000;

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface Mailer {
  send(to: string, subject: string, text: string): Promise<void>;
}

export interface NotifySenderOptions {
  db: Db;
  log: FastifyBaseLogger;
  publicUrl: string | null;
  retryBaseS: number;
  timeoutMs: number;
  userAgent: string;
  mailer: Mailer | null;
  /** opens the webhooks' secrets, sealed at rest with the server's data key (account/token-cipher.ts) */
  cipher: TokenCipher;
  pollMs?: number;
}

/** What a webhook secret is sealed to (associated data): a sealed Hugging Face token does not open as one. */
export const WEBHOOK_SECRET_OWNER = 'webhook-secret';

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `could not reach the receiver: ${cause}` : `could not reach the receiver: ${e.message}`;
}

export function createNotifySender(o: NotifySenderOptions) {
  const { db, log } = o;
  const stop = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const pollMs = o.pollMs ?? DEFAULT_POLL_MS;
  const leaseS = o.timeoutMs / 1000 + 30;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let busy = false;
  let again = false;

  /** One POST of a delivery to a webhook; never throws. */
  async function post(hook: Pick<WebhookRow, 'url' | 'preset' | 'secret'>, d: Pick<DeliveryRow, 'id' | 'event' | 'payload'>): Promise<AttemptResult> {
    const out = formatBody(hook.preset, withLinks(d.payload as unknown as EventPayload, o.publicUrl));
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    let secret: string;
    try {
      secret = openText(o.cipher, hook.secret, WEBHOOK_SECRET_OWNER);
    } catch (err) {
      return { statusCode: null, error: `the webhook's secret cannot be read (${(err as Error).message}): set a new secret`, durationMs: 0 };
    }
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        body: out.body,
        // a receiver's redirect is not followed: the signed body would go somewhere nobody configured
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(o.timeoutMs), stop.signal]),
        headers: {
          ...out.headers,
          'content-type': out.contentType,
          'user-agent': o.userAgent,
          'x-d011dl-event': d.event,
          'x-d011dl-delivery': d.id,
          'x-d011dl-timestamp': String(timestamp),
          'x-d011dl-signature': signature(secret, timestamp, out.body),
        },
      });
      const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
      if (res.status >= 200 && res.status < 300) return { statusCode: res.status, error: null, durationMs: took() };
      if (res.status >= 300 && res.status < 400)
        return { statusCode: res.status, error: `HTTP ${res.status}: redirects are not followed; give the final address`, durationMs: took() };
      return { statusCode: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}`, durationMs: took() };
    } catch (err) {
      return { statusCode: null, error: describeFailure(err, o.timeoutMs), durationMs: took() };
    }
  }

  async function mail(d: DeliveryRow): Promise<AttemptResult> {
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    const to = await repo.getEmail(db, d.email_user_id!);
    if (!to) return { statusCode: null, error: 'the user no longer wants e-mail', durationMs: 0 };
    if (!o.mailer) return { statusCode: null, error: 'e-mail is not set up on this server (SMTP_URL)', durationMs: 0 };
    const p = withLinks(d.payload as unknown as EventPayload, o.publicUrl);
    const h = describe(p);
    try {
      await o.mailer.send(to.email, h.title, `${h.text}\n${h.url ? `\n${h.url}\n` : ''}`);
      return { statusCode: null, error: null, durationMs: took() };
    } catch (err) {
      return { statusCode: null, error: `the mail server refused: ${(err as Error).message}`.slice(0, 300), durationMs: took() };
    }
  }

  async function deliver(d: DeliveryRow): Promise<void> {
    const attempt = d.attempts + 1;
    let result: AttemptResult;
    let retry = true;
    if (d.webhook_id) {
      const hook = await repo.getWebhook(db, d.webhook_id);
      if (!hook) return; // deleted meanwhile: its deliveries went with it
      if (hook.enabled) result = await post(hook, d);
      else [result, retry] = [{ statusCode: null, error: 'not sent: the webhook is disabled', durationMs: 0 }, false];
    } else {
      result = await mail(d);
    }
    // stopped mid-attempt: the lease runs out and this or another instance tries again
    if (stop.signal.aborted) return;
    const retryInS = result.error !== null && retry && attempt < MAX_ATTEMPTS ? o.retryBaseS * RETRY_FACTORS[attempt - 1]! : null;
    await repo.recordAttempt(db, { deliveryId: d.id, attempt, ...result, retryInS });
    if (result.error !== null && retryInS === null)
      log.warn({ delivery: d.id, webhook: d.webhook_id, event: d.event, attempts: attempt, error: result.error }, 'notification not delivered; giving up');
  }

  function schedule(ms: number): void {
    if (stop.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      current = tick();
    }, ms);
  }

  async function tick(): Promise<void> {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    let next = pollMs;
    try {
      const room = MAX_IN_FLIGHT - inFlight.size;
      if (room > 0) {
        for (const d of await repo.claimDue(db, room, leaseS)) {
          const p: Promise<void> = deliver(d)
            .catch((err) => log.error({ err, delivery: d.id }, 'notification delivery crashed'))
            .finally(() => {
              inFlight.delete(p);
              wake();
            });
          inFlight.add(p);
        }
        const ms = await repo.msUntilNextDue(db);
        if (ms !== null) next = Math.min(pollMs, Math.max(ms, 20));
      }
    } catch (err) {
      if (!stop.signal.aborted) log.warn({ err }, 'could not look for notifications to send');
    } finally {
      busy = false;
    }
    if (again) {
      again = false;
      next = 0;
    }
    schedule(next);
  }

  function wake(): void {
    schedule(0);
  }

  return {
    start(): void {
      schedule(0);
    },
    wake,
    /** Sends one request now, without retries (the "send test" button); recorded like any attempt. */
    async sendNow(hook: WebhookRow, d: DeliveryRow): Promise<AttemptResult> {
      const result = await post(hook, d);
      await repo.recordAttempt(db, { deliveryId: d.id, attempt: 1, ...result, retryInS: null });
      return result;
    },
    async close(): Promise<void> {
      stop.abort();
      clearTimeout(timer);
      await Promise.allSettled([...inFlight, current]);
    },
  };
}

export type NotifySender = ReturnType<typeof createNotifySender>;
