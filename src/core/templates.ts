import { describeValue } from '../model/input.js';
import { DealflowError } from '../model/errors.js';
import { DateTime } from 'luxon';
import Mustache from 'mustache';
import { z } from 'zod';
import { FORBIDDEN_PATH_SEGMENTS } from '../model/condition.js';
import type { Deal, Json } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import type { FactInput, HostFacts } from './facts.js';

/**
 * Deal titles and notification texts are mustache templates: logic-less, so an admin editing
 * a template cannot run code. A value that is missing renders as empty text and is reported
 * (the caller logs it), never thrown: a half-filled title beats a failed command.
 */

export interface RenderResult {
  text: string;
  /** Names the template asked for that had no value, in template order, without repeats. */
  missing: string[];
  /** Set when the template could not be parsed; `text` is then the template unchanged. */
  error?: string;
}

/** How instants render: wall-clock time in the calendar's timezone, to the minute. */
export const TEMPLATE_DATE_FORMAT = 'yyyy-MM-dd HH:mm';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const unsafeName = (name: string): boolean => name.split('.').some((s) => FORBIDDEN_PATH_SEGMENTS.has(s));

/** Records what a render looked up and found nothing for; refuses prototype-reaching names. */
class TrackingWriter extends Mustache.Writer {
  missing: string[] = [];

  private look(name: string, context: Mustache.Context): unknown {
    if (unsafeName(name)) {
      this.note(name);
      return undefined;
    }
    const value: unknown = context.lookup(name);
    if (value === undefined || value === null) this.note(name);
    return value;
  }

  private note(name: string): void {
    if (!this.missing.includes(name)) this.missing.push(name);
  }

  override escapedValue(token: string[], context: Mustache.Context): string {
    return this.unescapedValue(token, context);
  }

  override unescapedValue(token: string[], context: Mustache.Context): string {
    const value = this.look(token[1]!, context);
    return (value === undefined || value === null ? undefined : String(value)) as string;
  }

  override renderSection(
    token: string[],
    context: Mustache.Context,
    partials?: Mustache.PartialsOrLookupFn,
    original?: string,
    config?: Mustache.RenderOptions,
  ): string {
    if (unsafeName(token[1]!)) return undefined as unknown as string;
    return super.renderSection(token, context, partials, original, config);
  }

  override renderInverted(
    token: string[],
    context: Mustache.Context,
    partials?: Mustache.PartialsOrLookupFn,
    original?: string,
    config?: Mustache.RenderOptions,
  ): string {
    if (unsafeName(token[1]!)) return super.renderTokens(token[4] as unknown as string[][], context, partials, original, config);
    return super.renderInverted(token, context, partials, original, config);
  }
}

const writer = new TrackingWriter();
// Output is plain text (titles, message bodies); HTML escaping, if any, belongs to the notifier.
const PLAIN: Mustache.RenderOptions = { escape: (s: unknown) => String(s) };

/** Renders a template over a view built by `templateView`. Pure and synchronous. */
export function renderTemplate(template: string, view: Record<string, unknown>): RenderResult {
  if (typeof template !== 'string') throw new DealflowError('INVALID_INPUT', `a template must be a string, not ${describeValue(template)}`);
  if (view === null || typeof view !== 'object') throw new DealflowError('INVALID_INPUT', `a template's view must be an object, not ${describeValue(view)}`);
  if (!template.includes('{{')) return { text: template, missing: [] };
  writer.missing = [];
  try {
    const text = writer.render(template, view, undefined, PLAIN);
    return { text, missing: writer.missing };
  } catch (e) {
    return { text: template, missing: [], error: (e as Error).message };
  }
}

/** Why a template cannot be parsed, or undefined when it can. */
export function templateProblem(template: string): string | undefined {
  if (typeof template !== 'string') return `a template must be a string, not ${describeValue(template)}`;
  try {
    Mustache.parse(template);
    return undefined;
  } catch (e) {
    return `not a valid template: ${(e as Error).message}`;
  }
}

/** A string param that must parse as a mustache template; checked when rules are parsed. */
export const TemplateString = z
  .string()
  .superRefine((t, ctx) => {
    const problem = templateProblem(t);
    // Template syntax is one of the checks a JSON Schema cannot express (docs/rules.md).
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { code: 'template' } });
  })
  .describe('A mustache template over the deal, the event and host facts (docs/templates.md).');

/** What templates can read: the deal, its previous version, the event, the time and host facts. */
export interface TemplateScope {
  deal: Readonly<Deal> | null;
  previous?: Readonly<Deal> | null;
  event: Readonly<Record<string, Json>> | null;
  now: string;
  pipeline: Pipeline | null | undefined;
  /** The timezone instants render in; default the pipeline's. */
  zone?: string;
  facts: HostFacts;
  /** Feature values such as `sla` or `approval`. */
  extra?: Readonly<Record<string, unknown>> | null;
}

/**
 * The names a template can use: the deal's properties at the top level (`title`, `amount`,
 * `fields.x`, `flags.y`, `stage` as the stage's name, …) and as `deal.*`, `event.*`, `now`,
 * `pipeline.name`, feature values (`sla.dueAt`, `approval.comment`) and host facts by name
 * (`contact.company`), computed only when the template names them. Instants render in the
 * pipeline's timezone as `yyyy-MM-dd HH:mm`.
 */
export function templateView(template: string, scope: TemplateScope): Record<string, unknown> {
  const zone = scope.zone ?? scope.pipeline?.timezone ?? 'UTC';
  const deal = scope.deal ? toView(scope.deal, zone) : null;
  const view: Record<string, unknown> = Object.create(null);
  if (deal && typeof deal === 'object') Object.assign(view, deal);
  const stage = scope.deal && scope.pipeline?.stages.find((s) => s.id === scope.deal!.stageId);
  if (stage) view.stage = stage.name;
  view.deal = deal;
  view.event = toView(scope.event, zone);
  view.now = toView(scope.now, zone);
  if (scope.pipeline) view.pipeline = toView({ id: scope.pipeline.id, name: scope.pipeline.name, timezone: zone }, zone);
  for (const [k, v] of Object.entries(scope.extra ?? {})) view[k] = toView(v, zone);
  const input: FactInput = { deal: scope.deal, previous: scope.previous ?? null, event: scope.event, now: scope.now };
  for (const name of rootNames(template)) {
    if (name in view || !Object.hasOwn(scope.facts, name)) continue;
    view[name] = toView(scope.facts[name]!(input), zone);
  }
  return view;
}

/** Renders `template` over the scope: the one call features and actions need. */
export function render(template: string, scope: TemplateScope): RenderResult {
  if (!template.includes('{{')) return { text: template, missing: [] };
  return renderTemplate(template, templateView(template, scope));
}

/** Plain data only (no functions, no prototypes), instants as local wall-clock text. */
function toView(value: unknown, zone: string): unknown {
  if (typeof value === 'string') return ISO_INSTANT.test(value) ? formatInstant(value, zone) : value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => toView(v, zone));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!FORBIDDEN_PATH_SEGMENTS.has(k)) out[k] = toView(v, zone);
    }
    return out;
  }
  return undefined;
}

function formatInstant(iso: string, zone: string): string {
  const dt = DateTime.fromISO(iso, { setZone: false, zone });
  return dt.isValid ? dt.toFormat(TEMPLATE_DATE_FORMAT) : iso;
}

/** The first segment of every name a template uses, so host facts are computed only when named. */
function rootNames(template: string): Set<string> {
  const out = new Set<string>();
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(template) as unknown[];
  } catch {
    return out;
  }
  const walk = (list: unknown[]) => {
    for (const t of list as Array<[string, string, number, number, unknown[]?]>) {
      if (t[0] === 'name' || t[0] === '&' || t[0] === '#' || t[0] === '^') out.add(t[1].split('.')[0]!);
      if ((t[0] === '#' || t[0] === '^') && Array.isArray(t[4])) walk(t[4]);
    }
  };
  walk(tokens);
  return out;
}
