import { checkInput, describeValue } from '../model/input.js';
import { DEFAULT_LIMITS } from '../model/limits.js';
import { z } from 'zod';
import { DealPatchSchema, JsonSchema, NewDealSchema } from '../model/deal.js';
import { isDealflowError, DealflowError, formatIssues, issuesFromZod, type DealflowIssue } from '../model/errors.js';

const At = z.iso.datetime({ offset: true }).describe('When it happened: an ISO 8601 instant with an offset (Z or ±hh:mm).');
const DealId = z.string().min(1);

/**
 * One line of a deal history: something that happened to a deal (or an external event), with
 * its time. A simulation replays these in time order through a rule set on a fake clock.
 */
export const HistoryEventSchema = z.discriminatedUnion('type', [
  z
    .object({
      at: At,
      type: z.literal('created'),
      /** The new deal as `createDeal` takes it; `id` is required so later lines can name it. */
      deal: NewDealSchema.extend({ id: DealId }).describe('The new deal as createDeal takes it; id is required so later lines can name it.'),
    })
    .strict()
    .describe('A deal was created: replayed as createDeal(deal).'),
  z
    .object({
      at: At,
      type: z.literal('updated'),
      dealId: DealId,
      patch: DealPatchSchema.describe('title, amount, currency, ownerId, fields, flags; null clears a field.'),
    })
    .strict()
    .describe('A deal was changed: replayed as updateDeal(dealId, patch).'),
  z
    .object({ at: At, type: z.literal('moved'), dealId: DealId, stage: z.string().min(1) })
    .strict()
    .describe('A deal moved to a stage: replayed as moveDeal(dealId, stage).'),
  z
    .object({ at: At, type: z.literal('deleted'), dealId: DealId })
    .strict()
    .describe('A deal was deleted: replayed as deleteDeal(dealId).'),
  z
    .object({
      at: At,
      type: z.literal('event'),
      /** The external event's name, as `event` triggers name it (`invoice.paid`). */
      name: z.string().min(1),
      dealId: DealId.optional(),
      id: z.string().min(1).optional(),
      payload: z.record(z.string(), JsonSchema).optional(),
    })
    .strict()
    .describe('An external event (invoice paid, incoming call, web order): replayed as emit({ name, dealId, id, payload }).'),
  z
    .object({ at: At, type: z.literal('launched'), dealId: DealId, ruleId: z.string().min(1) })
    .strict()
    .describe('A manual rule was launched on a deal: replayed as launch(ruleId, dealId).'),
]);
/** One history event as `parseHistory` returns it and `simulate` replays it: checked against {@link HistoryEventSchema}. */
export type HistoryEvent = z.infer<typeof HistoryEventSchema>;
/**
 * One history event as a producer writes it (what `toJsonLines` takes): the same shape before the
 * schema's defaults and transforms are applied, so an exporter from your CRM can be type-checked.
 */
export type HistoryEventInput = z.input<typeof HistoryEventSchema>;

/** The JSON Schema (draft 2020-12) of one history line, for producers of history files. */
export function historyEventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(HistoryEventSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** A line that was skipped with `skipBad`, and why. */
export interface SkippedLine {
  line: number;
  message: string;
}

/** A history file read into events `simulate` can replay, with where each came from and what was skipped. */
export interface ParsedHistory {
  /** The valid events, in file order (`simulate` sorts them by time). */
  events: HistoryEvent[];
  /** The 1-based line number each event came from, parallel to `events`. */
  lines: number[];
  /** Lines left out with `skipBad` (empty without it: a bad line throws instead). */
  skipped: SkippedLine[];
}

/** How strict `parseHistory` is: by default one bad line fails the whole file. */
export interface ParseHistoryOptions {
  /** Skip malformed lines (counted in `skipped`) instead of failing on the first one. */
  skipBad?: boolean;
}

/**
 * Parses JSON Lines of history events. Blank lines are ignored. The whole text is checked before
 * anything runs: a malformed line throws INVALID_INPUT naming its line number (and the JSON path
 * in it), so a simulation never starts on half a file; with `skipBad` such lines are skipped and
 * reported instead.
 */
export function parseHistory(text: string, options: ParseHistoryOptions = {}): ParsedHistory {
  if (typeof text !== 'string') throw new DealflowError('INVALID_INPUT', `parseHistory needs the history as text (JSON lines), not ${describeValue(text)}`);
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  const skipped: SkippedLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i]!.trim();
    if (raw === '') continue;
    const problem = parseLine(raw);
    if ('event' in problem) {
      events.push(problem.event);
      lines.push(i + 1);
      continue;
    }
    if (!options.skipBad) {
      throw new DealflowError('INVALID_INPUT', `line ${i + 1}: ${problem.message}`, {
        issues: problem.issues.map((issue) => ({ path: `line ${i + 1}: ${issue.path}`, message: issue.message })),
        details: { line: i + 1 },
      });
    }
    skipped.push({ line: i + 1, message: problem.message });
  }
  return { events, lines, skipped };
}

function parseLine(raw: string): { event: HistoryEvent } | { message: string; issues: DealflowIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    const message = `not valid JSON (${(e as Error).message})`;
    return { message, issues: [{ path: '$', message }] };
  }
  try {
    checkInput(json, DEFAULT_LIMITS, 'INVALID_INPUT', 'the line');
  } catch (e) {
    if (!isDealflowError(e)) throw e;
    return { message: e.message, issues: e.issues };
  }
  const parsed = HistoryEventSchema.safeParse(json);
  if (parsed.success) return { event: parsed.data };
  const issues = issuesFromZod(parsed.error);
  return { message: formatIssues(issues).trim().replace(/\n\s*/g, '; '), issues };
}

/** Serialises events as JSON Lines, one event per line. */
export function toJsonLines(events: Iterable<HistoryEventInput>): string {
  let out = '';
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}
