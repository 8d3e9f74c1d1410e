/**
 * `dealflow/email`: a Notifier that sends mail through nodemailer. The host configures the
 * transport (SMTP options, or any nodemailer transporter); templates render subject, text and
 * HTML with mustache. nodemailer is an optional peer dependency, loaded only when this notifier
 * has to build the transport itself.
 */
import { DealflowError } from '../model/errors.js';
import { createHash } from 'node:crypto';
import type { User } from '../ports/directory.js';
import { PermanentDeliveryError, type Notifier, type OutgoingMessage, type SendOptions } from '../ports/notifier.js';
import { MissingTemplateValueError, renderEmail, type EmailTemplate, type RenderedEmail } from './render.js';

export { MissingTemplateValueError, renderEmail, type EmailTemplate, type RenderedEmail };

/** The mail a transport is asked to send (a subset of nodemailer's message options). */
export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  headers: Record<string, string>;
}

/** Anything with nodemailer's `sendMail`: a transporter from `nodemailer.createTransport(...)`, or a stand-in. */
export interface MailTransport {
  /** Sends one mail; rejects on failure (nodemailer's errors carry `responseCode`). */
  sendMail(mail: MailMessage): Promise<unknown>;
  /** Closes pooled connections. */
  close?(): void;
}

/** SMTP options passed to `nodemailer.createTransport` (see nodemailer's SMTP transport docs). */
export interface SmtpOptions {
  host: string;
  port?: number;
  secure?: boolean;
  auth?: { user: string; pass: string };
  [option: string]: unknown;
}

/** Options of `createEmailNotifier`. */
export interface EmailNotifierOptions {
  /** A nodemailer transporter (or anything with `sendMail`), or SMTP options to build one. */
  transport: MailTransport | SmtpOptions;
  /** The sender, e.g. `"Sales robot" <robot@example.com>`. */
  from: string;
  /**
   * Templates by the notification's template id. The view holds the message's `data` (with
   * `deal`), `recipient`, `subject`, `text`, and for digests `digest`, `groups` and `items`.
   * A message whose template id has no entry is sent with its own subject and text.
   */
  templates?: Record<string, EmailTemplate>;
  /** The recipient's address. Default: the directory user's `email`. */
  address?: (user: User) => string | undefined | null;
  /** Headers added to every mail. */
  headers?: Record<string, string>;
}

/** The header that carries the idempotency key, so a receiving system can drop duplicates. */
export const IDEMPOTENCY_HEADER = 'X-Dealflow-Idempotency-Key';

/**
 * Sends each notification as one email. A missing address, a missing template value or an SMTP
 * 5xx reply is permanent (dead letter at once); a connection failure or an SMTP 4xx is retried.
 * The Message-ID is derived from the idempotency key, so a retry carries the same one.
 */
export class EmailNotifier implements Notifier {
  private transport: Promise<MailTransport> | undefined;

  constructor(private readonly options: EmailNotifierOptions) {
    if (!options?.from) throw new DealflowError('INVALID_CONFIG', 'createEmailNotifier needs a `from` address');
    if (!options.transport) throw new DealflowError('INVALID_CONFIG', 'createEmailNotifier needs a `transport`: a nodemailer transporter or SMTP options');
  }

  /** Renders and sends one message; throws PermanentDeliveryError for what retrying cannot fix. */
  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    const to = (this.options.address ?? ((u: User) => u.email))(message.recipient);
    if (!to) throw new PermanentDeliveryError(`recipient "${message.recipient.id}" has no email address`);
    const content = this.render(message);
    const mail: MailMessage = {
      from: this.options.from,
      to,
      subject: content.subject,
      text: content.text,
      messageId: messageIdFor(options.idempotencyKey, this.options.from),
      headers: {
        ...this.options.headers,
        [IDEMPOTENCY_HEADER]: options.idempotencyKey,
        'X-Dealflow-Template': message.template,
        ...(message.dealId ? { 'X-Dealflow-Deal': message.dealId } : {}),
      },
    };
    if (content.html !== undefined) mail.html = content.html;
    const transport = await this.getTransport();
    try {
      await transport.sendMail(mail);
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  /** Closes a pooled transport. */
  async close(): Promise<void> {
    if (this.transport) (await this.transport).close?.();
  }

  private render(message: OutgoingMessage): RenderedEmail {
    const template = this.options.templates?.[message.template];
    if (!template) {
      if (message.text === null) {
        throw new PermanentDeliveryError(`no email template "${message.template}" is configured and the message has no text`);
      }
      const out: RenderedEmail = { subject: message.subject ?? message.template, text: message.text };
      if (message.html) out.html = message.html;
      return out;
    }
    try {
      return renderEmail(message.template, template, viewOf(message));
    } catch (e) {
      if (e instanceof MissingTemplateValueError) throw new PermanentDeliveryError(e.message, { cause: e });
      throw new PermanentDeliveryError(`email template "${message.template}" failed to render: ${(e as Error).message}`, { cause: e });
    }
  }

  private getTransport(): Promise<MailTransport> {
    const t = this.options.transport;
    if (typeof (t as MailTransport).sendMail === 'function') return Promise.resolve(t as MailTransport);
    this.transport ??= import('nodemailer').then(
      (m) => (m.default ?? m).createTransport(t as SmtpOptions) as unknown as MailTransport,
      (e: unknown) => {
        this.transport = undefined;
        throw new Error(`dealflow/email needs the optional peer "nodemailer" to build an SMTP transport (npm install nodemailer): ${(e as Error).message}`);
      },
    );
    return this.transport;
  }
}

/** Creates an EmailNotifier: `createEngine({ notifier: createEmailNotifier({ transport, from, templates }) })`. */
export function createEmailNotifier(options: EmailNotifierOptions): EmailNotifier {
  return new EmailNotifier(options);
}

/** What templates see: the message's data, the recipient, and the message's own subject and text. */
function viewOf(message: OutgoingMessage): Record<string, unknown> {
  const { id, name, email } = message.recipient;
  return {
    ...message.data,
    recipient: { id, name: name ?? id, email: email ?? null },
    subject: message.subject,
    text: message.text,
    template: message.template,
    dealId: message.dealId,
    ...(message.items ? { items: message.items.map((i) => ({ ...i.data, subject: i.subject, text: i.text, template: i.template, dealId: i.dealId })) } : {}),
  };
}

/** A stable Message-ID per idempotency key: a retry of the same message is recognisably the same mail. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'dealflow.invalid';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

/** SMTP 5xx and bad envelopes cannot succeed on retry; connection problems and 4xx can. */
export function classifySmtpError(error: unknown): Error {
  const e = error as { message?: string; responseCode?: number; code?: string; response?: string };
  const message = `SMTP: ${e?.response ?? e?.message ?? String(error)}`;
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  if ((code !== undefined && code >= 500 && code < 600) || (code === undefined && e?.code === 'EENVELOPE')) {
    return new PermanentDeliveryError(message, { cause: error });
  }
  return Object.assign(new Error(message, { cause: error }), { code: e?.code, responseCode: code });
}
