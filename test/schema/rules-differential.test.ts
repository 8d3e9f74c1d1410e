import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRules, rulesJsonSchema, type DealflowIssue, type IssueCode, type Json } from '../../src/index.js';
import { isDealflowError } from '../../src/model/errors.js';
import { salesPipeline } from '../helpers.js';

/**
 * The differential test of the rule language's two definitions: generated rule documents, valid
 * and broken in the ways admins break them, go through the JSON Schema (ajv, draft 2020-12) and
 * through `parseRules`. A document must be schema-valid exactly when the parser finds no problem
 * beyond the checks a schema cannot know — the list below, which docs/rules.md gives too.
 */
const SEMANTIC: ReadonlySet<IssueCode> = new Set([
  'unknown-stage', // the pipelines' stages
  'unknown-pipeline', // the pipelines
  'unknown-fact', // host facts
  'unknown-calendar', // named calendars
  'unknown-playbook', // playbooks
  'duplicate-id', // unique rule ids, unique action ids in a rule
  'template', // mustache syntax
  'schedule', // a schedule trigger's cron spec and timezone (croner, IANA)
]);

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(rulesJsonSchema());

// ---- the generator: pools of what admins write, right and wrong ----------------------------------

const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);
/** Present one time in `every` (half the time by default), else left out. */
const maybe = <T>(arb: fc.Arbitrary<T>, every = 2) => fc.oneof({ weight: every - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
/**
 * Mostly well-formed, sometimes broken: each choice in a document is wrong about one time in
 * twenty-five, so documents come out valid, broken in one place, or broken in several. Names the
 * schema cannot check (an unknown stage, fact, calendar, playbook) count as well-formed.
 */
const pick = <T>(valid: fc.Arbitrary<T>, broken: fc.Arbitrary<T>) => fc.oneof({ weight: 25, arbitrary: valid }, { weight: 1, arbitrary: broken });
const u = (...values: unknown[]) => oneOf<unknown>(...values);

const scalar = oneOf<Json>(0, 1, -2, 2.5, 10_000, 'a', 'abc', '', '5', true, false, null);
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(oneOf('a', 'b', 'x y'), tie('v'), { maxKeys: 2, noNullPrototype: true }),
  ),
})).v;

const anyDuration = u(
  { days: 1 },
  { hours: 2, minutes: 30 },
  { businessDays: 2 },
  { businessHours: 4 },
  { weeks: 1 },
  { days: 0 },
  { days: -1 },
  { businessDays: -2 },
);
const brokenDuration = u({}, { days: 1, businessDays: 1 }, { dayz: 1 }, '5 days', 3, null, { businessDays: 1.5 }, { days: '1' });
const duration = pick(anyDuration, brokenDuration);
// A delay: negative amounts are refused there.
const delay = pick(
  u({ days: 1 }, { hours: 2, minutes: 30 }, { businessDays: 2 }, { businessHours: 4 }, { weeks: 0 }),
  fc.oneof(brokenDuration, u({ days: -1 }, { minutes: -5 })),
);
const time = pick(u('09:00', '24:00', '23:59', '00:00'), u('9:00', '25:00', '12:60', 900));
const dealPath = pick(
  u('amount', 'title', 'stageId', 'createdAt', 'fields.closeDate', 'flags.vip', 'fields.x y'),
  u('fields.', 'fields.a.b', 'fields.__proto__', 'flags.constructor', 'field.x', 'Amount', '$.amount', '', 7),
);
const settablePath = pick(u('amount', 'title', 'ownerId', 'currency', 'fields.discount', 'flags.approved'), u('stageId', 'createdAt', 'fields.__proto__', 'x'));
const path = pick(
  u('$.amount', '$.fields.score', 'fields.score', '$', '', '$.a[0]', '$[01]', "$['x y']", '$["a"]', "$['a.b']", '$.a-b', '$.$x', '$.s.length'),
  u(
    '  $.a  ',
    "$['it\\'s']",
    "$['a\\']",
    "$['a:b']",
    '$..amount',
    '$.a[*]',
    '$.a[?(@.b)]',
    '$.__proto__',
    "$['__proto__']",
    '$.constructor.name',
    'prototype',
    '$.a.',
    '$[ 1 ]',
    5,
  ),
);
const operator = pick(
  oneOf(
    'equal',
    'notEqual',
    'in',
    'notIn',
    'contains',
    'doesNotContain',
    'lessThan',
    'greaterThanInclusive',
    'not:in',
    'not:not:notIn',
    'swap:in',
    'someValue:equal',
    'everyValue:in',
    'not:someValue:lessThan',
    'someFact:in',
    'everyFact:contains',
    'swap:someValue:in',
  ),
  oneOf('lessThen', 'foo:equal', 'not:', ':equal', ''),
);
const fact = pick(oneOf('deal', 'previous', 'event', 'now', 'account'), oneOf(''));
const factRef = pick(
  fc.record({ fact, path: maybe(path) }, { requiredKeys: ['fact'] }) as fc.Arbitrary<unknown>,
  u({ fact: 5 }, { fact: 'deal', path: 5 }, { fact: 'deal', paht: '$.a' }, { fact: 'deal', params: { a: 1 } }),
);
// For `in` and `someValue:` the value must be a list (or, for `in`, a string) — the generator mixes all kinds.
const value = fc.oneof(
  { weight: 4, arbitrary: json as fc.Arbitrary<unknown> },
  { weight: 2, arbitrary: u(['a', 'b'], 'abc', [1, [2]]) },
  { weight: 1, arbitrary: factRef },
);

const withExtra = <T extends object>(arb: fc.Arbitrary<T>) => fc.tuple(arb, fc.nat(40)).map(([o, n]) => (n === 0 ? { ...o, extra: 1 } : o));

const condition: fc.Arbitrary<unknown> = fc.letrec<{ c: unknown }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    withExtra(
      fc.record(
        { fact, operator, value, path: maybe(path), priority: maybe(pick(u(1, 2.5), u('x'))), params: maybe(pick(u({ a: 1 }), u([1]))) },
        { requiredKeys: ['fact', 'operator', 'value'] },
      ),
    ),
    fc.record({ all: fc.array(tie('c'), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('c'), { maxLength: 3 }) }),
    fc.record({ not: tie('c') }),
    pick(
      fc.constant<unknown>({ all: [] }),
      u({}, { alll: [] }, { all: [], any: [] }, { not: null }, 'deal.amount > 5', [], { fact: 'deal', operator: 'equal' }),
    ),
  ),
})).c;

const trigger = pick(
  fc.oneof(
    u(
      { type: 'deal.created' },
      { type: 'manual' },
      { type: 'event', name: 'invoice.paid' },
      { type: 'sla.met' },
      { type: 'approval.decided', decision: 'approved' },
    ),
    fc.record({ type: oneOf('stage.entered', 'stage.left'), stage: oneOf('proposal', 'won', 'nowhere') }),
    fc.record({ type: fc.constant('field.changed'), field: dealPath, to: maybe(json), from: maybe(json) }, { requiredKeys: ['type', 'field'] }),
    fc.record(
      {
        type: fc.constant('stage.idle'),
        stage: oneOf('negotiation', 'nope'),
        after: duration,
        activity: maybe(pick(oneOf('any-update', 'stage-change'), oneOf('sometimes'))),
        policy: maybe(pick(oneOf('postpone'), oneOf('later'))),
      },
      { requiredKeys: ['type', 'stage', 'after'] },
    ),
    fc.record({ type: fc.constant('date.reached'), field: dealPath, offset: maybe(duration), time: maybe(time) }, { requiredKeys: ['type', 'field'] }),
    fc.record(
      {
        type: fc.constant('schedule'),
        cron: pick(u('0 9 * * MON', '0 17 * * *'), u('0 25 * * *', 'every monday', '', 5)),
        timezone: maybe(pick(u('Europe/Berlin'), u('Mars/Olympus', 1))),
        lastWorkingDayOfMonth: maybe(pick<unknown>(fc.boolean(), u('yes'))),
      },
      { requiredKeys: ['type', 'cron'] },
    ),
  ),
  u(
    { type: 'stage.enterd', stage: 'won' },
    { stage: 'won' },
    { type: 'deal.created', stage: 'new' },
    'deal.created',
    { type: 'approval.decided', decision: 'yes' },
    { type: 'stage.left', stage: '' },
    undefined,
  ),
);

const template = pick(u('t', 'Hello {{title}}', '{{#open}}unclosed'), u('', 5));
const paramsOf: Record<string, fc.Arbitrary<unknown>> = {
  notify: fc.record(
    {
      to: pick(u('owner', 'manager', { role: 'legal' }, { user: 'u1' }), u('nobody', { team: 'x' })),
      template,
      subject: maybe(template),
      digest: maybe(oneOf('hourly', 'daily at 09:00')),
    },
    { requiredKeys: ['to', 'template'] },
  ),
  setField: fc.record({ field: settablePath, value: json }, { requiredKeys: ['field', 'value'] }),
  setFlag: fc.record({ flag: pick(u('vip'), u('', 3)), value: maybe(pick(u(true, false), u('yes'))) }, { requiredKeys: ['flag'] }),
  moveStage: fc.record({ stage: pick(u('won', 'negotiation', 'nope'), u('')) }),
  recordViolation: fc.record({ name: pick(u('late'), u('')), data: maybe(pick(u({ a: 1 }), u(5))) }, { requiredKeys: ['name'] }),
  setTitle: fc.record({ template }),
  requestApproval: fc.record(
    {
      subject: template,
      approvers: pick(u(['manager'], [{ role: 'head' }], ['owner', { user: 'u' }]), u([], ['boss'])),
      onApprove: maybe(
        pick(
          u({ moveStage: 'won' }, { moveStage: 'nope' }, { set: { 'flags.ok': true } }, { extendSla: { sla: 's', by: { days: 5 } } }, { exemptSla: 's' }),
          u({ set: { stageId: 'won' } }, { extendSla: { sla: 's', by: {} } }, { close: true }),
        ),
      ),
      onReject: maybe(oneOf<unknown>({ moveStage: 'lost' }, { moveStage: 'gone' })),
    },
    { requiredKeys: ['subject', 'approvers'] },
  ),
  extendSla: fc.record({ sla: pick(u('s'), u('')), by: duration }),
  exemptSla: fc.record({ sla: pick(u('s'), u('')), reason: maybe(pick(u('done'), u(''))) }, { requiredKeys: ['sla'] }),
  createTask: fc.record(
    {
      title: template,
      due: maybe(duration),
      assignee: maybe(pick(u('owner', { user: 'u' }), u('boss'))),
      priority: maybe(pick(oneOf('high'), oneOf('urgent'))),
    },
    { requiredKeys: ['title'] },
  ),
  launchPlaybook: fc.record({ playbook: pick(u('onboarding'), u('')) }),
  createDeal: fc.record(
    {
      pipeline: oneOf<unknown>('sales', 'nope'),
      stage: maybe(oneOf('proposal', 'nowhere')),
      owner: pick(u('u1', { fromEvent: '$.agent' }, { fromEvent: '$.agent', default: 'u1' }), u({ fromEvent: '$..agent' }, '')),
      externalId: maybe(pick(u('$.id'), u('$.a[*]'))),
      amount: maybe(pick(u(5, { fromEvent: '$.sum' }), u('five'))),
    },
    { requiredKeys: ['pipeline', 'owner'] },
  ),
};
const TYPES = Object.keys(paramsOf);

const timing = fc.record(
  {
    id: maybe(pick(u('a', 'b'), u('', 3)), 3),
    after: maybe(delay, 3),
    at: maybe(
      pick(
        fc.oneof(
          fc.record({ field: dealPath, offset: maybe(duration), time: maybe(time) }, { requiredKeys: ['field'] }),
          fc.record({ nextWorkingTime: time }),
        ) as fc.Arbitrary<unknown>,
        u({ field: 'fields.x', nextWorkingTime: '09:00' }, {}),
      ),
      3,
    ),
    policy: maybe(pick(oneOf('postpone', 'bring-forward', 'exact'), oneOf('asap')), 5),
    calendar: maybe(pick(u('pipeline', 'owner', 'berlin'), u('')), 5),
    recheck: maybe(pick(u(false), u('no')), 5),
    cancelOnStageLeave: maybe(u(true), 6),
  },
  { requiredKeys: [] },
);

const action = fc.tuple(pick(oneOf(...TYPES), oneOf('sendFax', '', 'notfy')), fc.nat(30), timing).chain(([type, roll, t]) => {
  const params = paramsOf[type] ?? fc.constant({});
  // Mostly well-formed params; sometimes none, a non-object, or an extra key.
  const p: fc.Arbitrary<unknown> =
    roll === 0 ? fc.constant(undefined) : roll === 1 ? u([], 5, null) : roll === 2 ? params.map((o) => ({ ...(o as object), extra: 1 })) : params;
  return p.map((ps) => ({ ...(type === '' && roll === 3 ? {} : { type }), ...(ps === undefined ? {} : { params: ps }), ...t }));
});

const rule = fc.record(
  {
    id: pick(u('r1', 'r2', 'r3', 'r4', 'r5'), u('a:b', '', 7)),
    name: maybe(pick(u('A rule'), u(5)), 4),
    version: maybe(pick(u(1, 3), u(0, -1, 1.5)), 5),
    onChange: maybe(pick(oneOf('keep', 'recheck', 'cancel'), oneOf('drop')), 6),
    enabled: maybe(pick(u(true, false), u('no')), 6),
    priority: maybe(pick(u(0, 5, -3), u(1.5)), 5),
    pipelineId: maybe(pick(u('sales', 'nope'), u('')), 4),
    trigger,
    calendar: maybe(pick(u('pipeline', 'owner', 'berlin'), u(5)), 6),
    when: maybe(condition, 2),
    until: maybe(condition, 5),
    actions: pick(fc.array(action, { minLength: 1, maxLength: 3 }), u([], {})),
    once: maybe(pick(u(true), u(1)), 6),
    reenroll: maybe(pick(oneOf('replace', 'parallel', 'ignore'), oneOf('always')), 6),
    actoins: maybe(fc.constant<unknown>([]), 40),
  },
  { requiredKeys: ['id', 'trigger', 'actions'] },
);

/** A rule file: mostly an array of one to three rules, sometimes the document form, sometimes neither. */
const documentArb = fc.oneof(
  { weight: 12, arbitrary: fc.array(rule, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<unknown> },
  { weight: 2, arbitrary: fc.array(rule, { maxLength: 2 }).map((rules) => ({ $schema: './node_modules/dealflow/schema/rules.json', rules })) },
  { weight: 1, arbitrary: u({}, { rules: [], extra: 1 }, { rules: {} }, 5, null, 'rules') },
);

// ---- the two verdicts ----------------------------------------------------------------------------------

function parserVerdict(doc: unknown): { valid: boolean; issues: DealflowIssue[] } {
  try {
    parseRules(doc, { pipelines: [salesPipeline] });
    return { valid: true, issues: [] };
  } catch (e) {
    if (!isDealflowError(e, 'INVALID_RULES')) throw e;
    const structural = e.issues.filter((i) => !SEMANTIC.has(i.code ?? 'invalid'));
    return { valid: structural.length === 0, issues: structural };
  }
}

describe('the JSON Schema of the rule language and parseRules agree', () => {
  it('on generated rule documents: schema-valid ⇔ parser-valid, but for the documented semantic checks', () => {
    const counts = { documents: 0, valid: 0, invalid: 0, semanticOnly: 0 };
    fc.assert(
      fc.property(documentArb, (generated) => {
        // What an editor saves: plain JSON.
        const doc = JSON.parse(JSON.stringify(generated)) as unknown;
        const schemaValid = validate(doc) as boolean;
        const parser = parserVerdict(doc);
        counts.documents++;
        if (parser.valid) counts.valid++;
        else counts.invalid++;
        if (parser.valid) {
          try {
            parseRules(doc, { pipelines: [salesPipeline] });
          } catch {
            counts.semanticOnly++;
          }
        }
        const detail = () => JSON.stringify({ doc, parser: parser.issues, schema: validate.errors?.slice(0, 5) }, null, 1);
        expect(schemaValid, detail()).toBe(parser.valid);
      }),
      { numRuns: 2000 },
    );
    console.log(
      `schema ⇔ parser: ${counts.documents} documents, ${counts.valid} valid (${counts.semanticOnly} of them refused only by semantic checks), ${counts.invalid} invalid`,
    );
    // Both verdicts, and the semantic-only case, must be well represented, or agreement proves little.
    expect(counts.documents).toBeGreaterThanOrEqual(1000);
    expect(counts.valid).toBeGreaterThan(200);
    expect(counts.invalid).toBeGreaterThan(200);
    expect(counts.semanticOnly).toBeGreaterThan(50);
  });
});
