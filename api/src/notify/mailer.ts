// E-mail through the SMTP server of SMTP_URL (nodemailer). The URL carries the account's password: it is
// never logged, and nodemailer's own logger stays off.
import nodemailer from 'nodemailer';
import type { Mailer } from './notify-sender.ts';

export function createMailer(smtp: { url: string; from: string }, timeoutMs: number): Mailer & { close(): void } {
  const u = new URL(smtp.url);
  const secure = u.protocol === 'smtps:';
  const transport = nodemailer.createTransport(
    {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : secure ? 465 : 587,
      secure,
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      logger: false,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    },
    { from: smtp.from },
  );
  return {
    async send(to, subject, text) {
      await transport.sendMail({ to, subject, text });
    },
    close: () => transport.close(),
  };
}
