import Mustache from 'mustache';

/** One email template: mustache for the subject, the plain-text body and an optional HTML body. */
export interface EmailTemplate {
  subject: string;
  text: string;
  html?: string;
}

/** A rendered email: subject, text and, when the template has one, HTML. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html?: string;
}

/** A template asked for a value the message does not have; sending half a mail helps nobody. */
export class MissingTemplateValueError extends Error {
  constructor(
    readonly template: string,
    readonly part: 'subject' | 'text' | 'html',
    readonly names: string[],
  ) {
    super(`email template "${template}" (${part}) has no value for ${names.map((n) => `"${n}"`).join(', ')}`);
    this.name = 'MissingTemplateValueError';
  }
}

/** Refuses prototype-reaching names, like the core's templates. */
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor']);

/** A mustache writer that records every variable it had no value for, instead of printing nothing. */
class StrictWriter extends Mustache.Writer {
  missing: string[] = [];

  private look(name: string, context: Mustache.Context): unknown {
    const value: unknown = name.split('.').some((s) => UNSAFE.has(s)) ? undefined : context.lookup(name);
    if ((value === undefined || value === null) && !this.missing.includes(name)) this.missing.push(name);
    return value;
  }

  override unescapedValue(token: string[], context: Mustache.Context): string {
    const value = this.look(token[1]!, context);
    return (value === undefined || value === null ? undefined : String(value)) as string;
  }

  override escapedValue(token: string[], context: Mustache.Context, config?: Mustache.RenderOptions): string {
    const value = this.look(token[1]!, context);
    if (value === undefined || value === null) return undefined as unknown as string;
    const escapeValue = (config as { escape?: (s: unknown) => string } | undefined)?.escape ?? Mustache.escape;
    return escapeValue(value);
  }
}

const PLAIN = { escape: (s: unknown) => String(s) };

function renderPart(id: string, part: 'subject' | 'text' | 'html', template: string, view: Record<string, unknown>): string {
  const writer = new StrictWriter();
  const out = writer.render(template, view, undefined, part === 'html' ? undefined : PLAIN);
  if (writer.missing.length > 0) throw new MissingTemplateValueError(id, part, writer.missing);
  return out;
}

/** Renders a template's parts; HTML values are escaped, subject and text are not. Throws on a missing value. */
export function renderEmail(id: string, template: EmailTemplate, view: Record<string, unknown>): RenderedEmail {
  const out: RenderedEmail = { subject: renderPart(id, 'subject', template.subject, view), text: renderPart(id, 'text', template.text, view) };
  if (template.html !== undefined) out.html = renderPart(id, 'html', template.html, view);
  return out;
}
