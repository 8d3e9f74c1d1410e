import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addBusinessHours,
  addDurationIn,
  businessMinutesBetween,
  checkRules,
  compileCalendar,
  compileCondition,
  createEngine,
  defineSla,
  DealflowError,
  InMemoryDirectory,
  InMemoryStorage,
  nextWorkingTime,
  parseDigestSpec,
  parseRules,
  renderTemplate,
  toCsv,
  type Actor,
  type Engine,
  type PipelineInput,
  type RuleInput,
  type SlaInput,
} from '../../src/index.js';
import { parseHistory, simulate } from '../../src/simulation/index.js';
import { FakeClock, SequentialIds } from '../../src/testing/index.js';

/*
 * Bad input, generated (issue: DealflowError is the only error bad input gets). Every public
 * command, query and parser gets valid arguments with one part replaced by a hostile value (wrong
 * types, NaN and infinities, lone surrogates and NUL, `__proto__` keys, 10,000-deep nesting,
 * megabyte strings, prototype-reaching paths, absurd durations and offsets). Each call must
 * either succeed or throw a DealflowError; a refused call leaves the store exactly as it was;
 * no prototype gains a property; no call takes over 100 ms of CPU. The counts are printed.
 */

const pipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'new', name: 'New', goals: [{ id: 'qualified', name: 'Qualified', moveTo: 'proposal' }] },
    { id: 'proposal', name: 'Proposal' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: {
    sentAt: { type: 'date' },
    status: { type: 'string', options: ['draft', 'sent'] },
    score: { type: 'number' },
    note: { type: 'string' },
  },
};
const sla: SlaInput = {
  id: 'answer',
  start: { trigger: { type: 'deal.created' } },
  stop: { when: { fact: 'deal', path: '$.fields.sentAt', operator: 'notEqual', value: null } },
  within: { businessHours: 8 },
  reminders: [{ id: 'r', before: { hours: 1 }, actions: [{ type: 'notify', params: { to: 'owner', template: 'soon' } }] }],
};
const rules: RuleInput[] = [
  { id: 'hello', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 'hello' }, after: { days: 1 } }] },
  { id: 'manual', trigger: { type: 'manual' }, actions: [{ type: 'setFlag', params: { flag: 'launched' } }] },
  {
    id: 'paid',
    trigger: { type: 'event', name: 'invoice.paid' },
    when: { all: [{ fact: 'event', path: '$.payload.amount', operator: 'greaterThan', value: 0 }] },
    actions: [{ type: 'setField', params: { field: 'fields.status', value: 'sent' } }],
  },
];
const people = [
  { id: 'anna', managerId: 'maria', roles: ['seller'], teamId: 'north' },
  { id: 'maria', roles: ['manager'], teamId: 'north' },
];
const anna: Actor = { id: 'anna', roles: ['seller'], teamId: 'north' };
const maria: Actor = { id: 'maria', roles: ['manager'], teamId: 'north' };

interface World {
  engine: Engine;
  storage: InMemoryStorage;
  clock: FakeClock;
  dealId: string;
  taskId: string;
  approvalId: string;
}

async function world(): Promise<World> {
  const storage = new InMemoryStorage();
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const engine = createEngine({
    pipelines: [pipeline],
    rules,
    slas: [sla],
    storage,
    clock,
    ids: new SequentialIds(),
    directory: new InMemoryDirectory(people),
    playbooks: [{ id: 'onboard', name: 'Onboard', tasks: [{ key: 'call', title: 'Call' }] }],
  });
  const deal = await engine.createDeal({ id: 'D1', pipelineId: 'sales', ownerId: 'anna', title: 'Bakery', amount: 100 });
  const task = await engine.createTask(deal.id, { title: 'Call back', due: { businessHours: 2 } });
  const approval = await engine.requestApproval(deal.id, { name: 'discount', subject: 'Discount', approvers: ['manager'] }, { actor: anna });
  return { engine, storage, clock, dealId: deal.id, taskId: task.id, approvalId: approval.id };
}

function snapshot(storage: InMemoryStorage): string {
  return JSON.stringify({
    deals: [...storage.deals.entries()],
    enrolments: [...storage.enrolments.entries()],
    jobs: [...storage.jobs.entries()],
    log: storage.log,
    outbox: [...storage.outbox.entries()],
    records: [...storage.records.entries()].map(([k, m]) => [k, [...m.entries()]]),
    meta: [...storage.meta.entries()],
  });
}

// ---- hostile values ------------------------------------------------------------------------------

function deep(levels: number, array: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = array ? [v] : { a: v };
  return v;
}
function deepCondition(levels: number): unknown {
  let c: unknown = { fact: 'deal', path: '$.amount', operator: 'equal', value: 1 };
  for (let i = 0; i < levels; i++) c = { not: c };
  return c;
}
const protoKey = (value: unknown) => JSON.parse(`{"__proto__": ${JSON.stringify(value)}, "ok": 1}`) as unknown;
const big = 'x'.repeat(1_100_000);
const nastyConstants: unknown[] = [
  undefined,
  null,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  1e308,
  -1e15,
  2 ** 53 + 1,
  true,
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'title \udfff end',
  '__proto__',
  'constructor',
  'prototype',
  '=HYPERLINK("x")',
  '{{#deal}}{{/deal}}{{{title}}}',
  '$.__proto__.polluted',
  '$..amount',
  '2026-03-02T09:00:00+25:00',
  '2026-02-30T09:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  'nowhere',
  big,
  {},
  [],
  [[[]]],
  { businessHours: 1e7 },
  { days: 1e15 },
  { minutes: Number.NaN },
  { fortnights: 1 },
  deep(10_000, false),
  deep(10_000, true),
  deepCondition(10_000),
  protoKey({ polluted: 1 }),
  protoKey('x'),
  { constructor: { prototype: { polluted: 1 } } },
  new Date(Number.NaN),
  new Date('2026-03-02T09:00:00Z'),
  12345678901234567890n,
  Symbol('s'),
  () => 1,
  Array.from({ length: 20_000 }, (_, i) => i),
  Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i])),
];
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...nastyConstants) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
);

/** Every path inside a JSON-ish value, the root included (`[]`). */
function paths(v: unknown, at: PropertyKey[] = [], out: PropertyKey[][] = []): PropertyKey[][] {
  out.push(at);
  if (v !== null && typeof v === 'object' && at.length < 6) for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}
function replaced(v: unknown, at: PropertyKey[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<PropertyKey, unknown>;
  const [head, ...rest] = at as [PropertyKey, ...PropertyKey[]];
  Object.defineProperty(copy, head, { value: replaced(copy[head], rest, value), enumerable: true, writable: true, configurable: true });
  return copy;
}
/** Paths to the plain objects inside a value, where a key can be added. */
const objectPaths = (v: unknown) =>
  paths(v).filter((at) => {
    const inner = at.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)[k], v);
    return inner !== null && typeof inner === 'object' && !Array.isArray(inner);
  });
/** A valid argument with one part replaced, or a hostile key added to one of its objects. */
const mutate = (valid: unknown): fc.Arbitrary<unknown> => {
  const replace = fc.tuple(fc.constantFrom(...paths(valid)), nasty).map(([at, value]) => replaced(valid, at, value));
  const objects = objectPaths(valid);
  if (objects.length === 0) return replace;
  const add = fc
    .tuple(fc.constantFrom(...objects), fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', '\ud800'), nasty)
    .map(([at, key, value]) => replaced(valid, [...at, key], value));
  return fc.oneof(replace, add);
};

/** A short, safe description of an argument for a problem report (it may be 10,000 levels deep). */
function show(v: unknown, depth = 0): string {
  if (depth > 4) return '…';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 40)}…(${v.length})` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function' || v === undefined) return String(v);
  if (v === null || typeof v !== 'object') return String(v);
  if (v instanceof Date) return `Date(${v.getTime()})`;
  const entries = Object.entries(v).slice(0, 8);
  const inner = entries.map(([k, x]) => (Array.isArray(v) ? show(x, depth + 1) : `${JSON.stringify(k)}: ${show(x, depth + 1)}`)).join(', ');
  const more = Object.keys(v).length > 8 ? ', …' : '';
  return Array.isArray(v) ? `[${inner}${more}]` : `{${inner}${more}}`;
}

// ---- the calls -------------------------------------------------------------------------------------

type Call = (w: World, arg: unknown) => unknown;
const commands: Record<string, { valid: (w: World) => unknown; call: Call }> = {
  createDeal: {
    valid: () => ({ pipelineId: 'sales', ownerId: 'anna', title: 'T', amount: 5, fields: { note: 'n', score: 1 }, flags: { hot: true } }),
    call: (w, a) => w.engine.createDeal(a as never),
  },
  createDealAs: { valid: () => ({ pipelineId: 'sales', ownerId: 'anna', title: 'T' }), call: (w, a) => w.engine.createDeal(a as never, { actor: anna }) },
  updateDeal: {
    valid: () => ({ title: 'T2', amount: 7, fields: { sentAt: '2026-03-03', status: 'sent' }, flags: { x: true } }),
    call: (w, a) => w.engine.updateDeal(w.dealId, a as never),
  },
  updateDealId: { valid: (w) => w.dealId, call: (w, a) => w.engine.updateDeal(a as string, { title: 'x' }) },
  updateDealOptions: { valid: () => ({ actor: anna, expectedVersion: 3 }), call: (w, a) => w.engine.updateDeal(w.dealId, { title: 'x' }, a as never) },
  moveDeal: {
    valid: () => ['proposal', { actor: anna }],
    call: (w, a) => (Array.isArray(a) ? w.engine.moveDeal(w.dealId, a[0], a[1]) : w.engine.moveDeal(w.dealId, a as string)),
  },
  deleteDeal: { valid: (w) => w.dealId, call: (w, a) => w.engine.deleteDeal(a as string) },
  emit: {
    valid: (w) => ({ name: 'invoice.paid', id: 'ev-1', dealId: w.dealId, payload: { amount: 10, lines: [{ sku: 'a' }] } }),
    call: (w, a) => w.engine.emit(a as never),
  },
  requestApproval: {
    valid: () => ({ name: 'extension', subject: 'More time', approvers: ['manager'], exception: 'complex', onApprove: { set: { 'flags.ok': true } } }),
    call: (w, a) => w.engine.requestApproval(w.dealId, a as never, { actor: anna }),
  },
  decideApproval: { valid: () => ({ decision: 'approve', actor: maria, note: 'fine' }), call: (w, a) => w.engine.decideApproval(w.approvalId, a as never) },
  decideApprovalId: { valid: (w) => w.approvalId, call: (w, a) => w.engine.decideApproval(a as string, { decision: 'reject', actor: maria }) },
  markException: { valid: () => ({ flag: 'complex', note: 'big customer' }), call: (w, a) => w.engine.markException(w.dealId, a as never) },
  extendSla: { valid: () => ({ businessHours: 4 }), call: (w, a) => w.engine.extendSla(w.dealId, 'answer', a as never) },
  extendSlaId: { valid: () => 'answer', call: (w, a) => w.engine.extendSla(w.dealId, a as string, { hours: 1 }) },
  createTask: {
    valid: () => ({ title: 'Send the offer', due: { businessHours: 4 }, priority: 'high', assignee: 'anna' }),
    call: (w, a) => w.engine.createTask(w.dealId, a as never),
  },
  createTaskDueAt: { valid: () => ({ title: 'Send', dueAt: '2026-03-05T10:00:00.000Z' }), call: (w, a) => w.engine.createTask(w.dealId, a as never) },
  completeTask: { valid: (w) => w.taskId, call: (w, a) => w.engine.completeTask(a as string, { comment: 'done' }) },
  completeTaskOptions: { valid: () => ({ comment: 'done', actor: anna }), call: (w, a) => w.engine.completeTask(w.taskId, a as never) },
  reopenTask: { valid: () => ({ reason: 'again' }), call: (w, a) => w.engine.reopenTask(w.taskId, a as never) },
  launchPlaybook: { valid: () => 'onboard', call: (w, a) => w.engine.launchPlaybook(w.dealId, a as string) },
  achieveGoal: { valid: () => 'qualified', call: (w, a) => w.engine.achieveGoal(w.dealId, a as string) },
  launch: { valid: () => 'manual', call: (w, a) => w.engine.launch(a as string, w.dealId) },
  setRules: { valid: () => rules, call: (w, a) => w.engine.setRules(a) },
  getDeal: { valid: (w) => w.dealId, call: (w, a) => w.engine.getDeal(a as string) },
  getTask: { valid: (w) => w.taskId, call: (w, a) => w.engine.getTask(a as string) },
  tasks: { valid: (w) => ({ dealId: w.dealId, status: ['open'], userId: 'anna' }), call: (w, a) => w.engine.tasks(a as never) },
  listDeals: { valid: () => ({ pipelineId: 'sales', stageId: 'new', ownerId: 'anna' }), call: (w, a) => w.engine.listDeals(a as never) },
  listDealsAs: { valid: () => ({ actor: anna }), call: (w, a) => w.engine.listDeals({}, a as never) },
  history: { valid: (w) => w.dealId, call: (w, a) => w.engine.history(a as string) },
  pendingJobs: { valid: (w) => w.dealId, call: (w, a) => w.engine.pendingJobs(a as string) },
  explain: { valid: (w) => [w.dealId, 'hello'], call: (w, a) => w.engine.explain(...((Array.isArray(a) ? a : [a]) as [string, string])) },
  outbox: { valid: (w) => ({ dealId: w.dealId, status: 'pending' }), call: (w, a) => w.engine.outbox(a as never) },
  records: { valid: (w) => ['task', { dealId: w.dealId }], call: (w, a) => w.engine.records(...((Array.isArray(a) ? a : [a]) as [string, never])) },
  deadLetters: { valid: (w) => ({ dealId: w.dealId }), call: (w, a) => w.engine.deadLetters(a as never) },
  retryDeadLetter: { valid: () => 'msg-1', call: (w, a) => w.engine.retryDeadLetter(a as string) },
  report: { valid: () => ({ from: '2026-01-01', to: '2026-12-31', groupBy: 'owner' }), call: (w, a) => w.engine.report('funnel', a as never) },
  reportStale: { valid: () => ({ idleFor: { days: 3 } }), call: (w, a) => w.engine.report('stale', a as never) },
  board: { valid: () => 'sales', call: (w, a) => w.engine.board(a as string) },
  ruleVersions: { valid: () => 'hello', call: (w, a) => w.engine.ruleVersions(a as string) },
  claimJobs: {
    valid: () => [10, { owner: 'r1', token: 't1', ms: 1000 }],
    call: (w, a) => w.engine.claimJobs(...((Array.isArray(a) ? a : [a]) as [number, never])),
  },
  claimDeliveries: {
    valid: () => [10, { owner: 'r1', token: 't1', ms: 1000 }],
    call: (w, a) => w.engine.claimDeliveries(...((Array.isArray(a) ? a : [a]) as [number, never])),
  },
  runClaimedJob: { valid: () => [{ id: 'job-1' }, 't1'], call: (w, a) => w.engine.runClaimedJob(...((Array.isArray(a) ? a : [a]) as [never, string])) },
  deliverClaimed: { valid: () => [{ id: 'msg-1' }, 't1'], call: (w, a) => w.engine.deliverClaimed(...((Array.isArray(a) ? a : [a]) as [never, string])) },
  discardDeadLetter: { valid: () => 'msg-1', call: (w, a) => w.engine.discardDeadLetter(a as string) },
  on: { valid: () => ['deal.created', () => {}], call: (w, a) => (Array.isArray(a) ? w.engine.on(a[0], a[1]) : w.engine.on(a as never, () => {})) },
  dueJobs: { valid: () => ({ until: '2026-03-10T09:00:00.000Z', limit: 10 }), call: (w, a) => w.engine.dueJobs(a as never) },
  runDue: {
    valid: () => ({ days: 2 }),
    call: async (w, a) => {
      w.clock.advance(a as never);
      return w.engine.runDue();
    },
  },
  simulate: {
    valid: () => ({
      rules,
      pipelines: [pipeline],
      events: [
        { at: '2026-03-02T09:00:00.000Z', type: 'created', deal: { id: 'S1', pipelineId: 'sales', ownerId: 'anna', title: 'x' } },
        { at: '2026-03-03T09:00:00.000Z', type: 'updated', dealId: 'S1', patch: { fields: { note: 'n' } } },
        { at: '2026-03-04T09:00:00.000Z', type: 'event', name: 'invoice.paid', dealId: 'S1', payload: { amount: 3 } },
        { at: '2026-03-05T09:00:00.000Z', type: 'moved', dealId: 'S1', stage: 'won' },
      ],
    }),
    call: (_w, a) => simulate(a as never),
  },
  parseHistory: {
    valid: () => '{"at":"2026-03-02T09:00:00.000Z","type":"created","deal":{"id":"S1","pipelineId":"sales","ownerId":"anna"}}\n',
    call: (_w, a) => parseHistory(a as string),
  },
  // Parsers and pure functions.
  parseRules: { valid: () => rules, call: (_w, a) => parseRules(a, { pipelines: [pipeline] }) },
  checkRules: { valid: () => rules, call: (_w, a) => checkRules(a as never, { pipelines: [pipeline] }) },
  compileCondition: { valid: () => rules[2]!.when, call: (_w, a) => compileCondition(a as never) },
  compileCalendar: {
    valid: () => ({
      timezone: 'Europe/Berlin',
      hours: [{ from: '09:00', to: '17:00' }],
      holidays: ['2026-12-24'],
      publicHolidays: { country: 'DE', state: 'BE' },
    }),
    call: (_w, a) => compileCalendar(a as never),
  },
  addDurationIn: {
    valid: () => ['2026-03-02T09:00:00.000Z', { businessDays: 2 }],
    call: (_w, a) => addDurationIn(berlin, ...((Array.isArray(a) ? a : [a]) as [string, never])),
  },
  addBusinessHours: {
    valid: () => ['2026-03-02T09:00:00.000Z', 4],
    call: (_w, a) => addBusinessHours(berlin, ...((Array.isArray(a) ? a : [a]) as [string, number])),
  },
  addBusinessDays: {
    valid: () => ['2026-03-02T09:00:00.000Z', 4],
    call: (_w, a) => addBusinessDays(berlin, ...((Array.isArray(a) ? a : [a]) as [string, number])),
  },
  businessMinutesBetween: {
    valid: () => ['2026-03-02T09:00:00.000Z', '2026-04-02T09:00:00.000Z'],
    call: (_w, a) => businessMinutesBetween(berlin, ...((Array.isArray(a) ? a : [a]) as [string, string])),
  },
  nextWorkingTime: { valid: () => '2026-03-07T09:00:00.000Z', call: (_w, a) => nextWorkingTime(berlin, a as string) },
  parseDigestSpec: { valid: () => 'daily at 08:00', call: (_w, a) => parseDigestSpec(a as string) },
  defineSla: { valid: () => sla, call: (_w, a) => defineSla(a as never) },
  renderTemplate: { valid: () => ['Hello {{title}}', { title: 'x' }], call: (_w, a) => renderTemplate(...((Array.isArray(a) ? a : [a]) as [string, never])) },
  toCsv: {
    valid: () => ({ title: 't', notes: [], columns: [{ key: 'a', label: 'A', format: 'text' }], rows: [{ a: 'x' }] }),
    call: (_w, a) => toCsv(a as never),
  },
  createEngine: {
    valid: () => ({ pipelines: [pipeline], rules, slas: [sla], playbooks: [{ id: 'p', name: 'P', tasks: [{ key: 'k', title: 'K' }] }] }),
    call: (_w, a) => createEngine(a as never),
  },
  fakeClock: { valid: () => ({ days: 1 }), call: (w, a) => w.clock.advance(a as never) },
};
const berlin = compileCalendar({ timezone: 'Europe/Berlin', publicHolidays: { country: 'DE', state: 'BE' } });

const prototypes = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
const protoKeys = () => prototypes.map((p) => Object.getOwnPropertyNames(p).sort().join(','));
const pristine = protoKeys().join('|');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One seed for the run, printed with the counts: BAD_INPUT_SEED=<seed> replays a run. */
const seed = Number(process.env.BAD_INPUT_SEED ?? Date.now() % 2 ** 31);
const counts = { cases: 0, accepted: 0, refused: 0, byCode: {} as Record<string, number>, slowest: { ms: 0, call: '' } };
const problems: string[] = [];

/** One call on a fresh world: counted, and any problem recorded. */
async function attempt(name: string, command: { call: Call }, arg: unknown): Promise<void> {
  const w = await world();
  const stored = snapshot(w.storage);
  const started = cpuMs();
  let error: unknown;
  try {
    await command.call(w, arg);
  } catch (e) {
    error = e;
  }
  const spent = cpuMs() - started;
  counts.cases++;
  if (spent > counts.slowest.ms) counts.slowest = { ms: spent, call: name };
  if (error === undefined) counts.accepted++;
  else if (error instanceof DealflowError) {
    counts.refused++;
    counts.byCode[error.code] = (counts.byCode[error.code] ?? 0) + 1;
    if (snapshot(w.storage) !== stored) problems.push(`${name}: refused (${error.code}) but changed the store: ${show(arg)}`);
  } else problems.push(`${name}: ${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 160)} for ${show(arg)}`);
  if (spent > 100) problems.push(`${name}: ${spent.toFixed(0)} ms CPU for ${show(arg)}`);
  if (protoKeys().join('|') !== pristine || ({} as Record<string, unknown>).polluted !== undefined)
    problems.push(`${name}: a prototype changed after ${show(arg)}`);
}

describe('generated bad input: DealflowError or success, state unchanged on refusal, prototypes clean, no call over 100 ms', () => {
  afterAll(() => {
    console.log(
      `bad-input suite: ${counts.cases} calls over ${Object.keys(commands).length} commands and parsers; ${counts.accepted} accepted, ${counts.refused} refused (${Object.entries(
        counts.byCode,
      )
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}); slowest ${counts.slowest.ms.toFixed(1)} ms CPU (${counts.slowest.call}); seed ${seed}`,
    );
  });

  it.each(Object.keys(commands))('%s', async (name) => {
    const command = commands[name]!;
    const template = await world();
    const before = protoKeys();
    await fc.assert(
      fc.asyncProperty(mutate(command.valid(template)), async (arg) => {
        await attempt(name, command, arg);
        expect(protoKeys()).toEqual(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      // Failures are collected in `problems` and shown at the end; fast-check would try to print
      // (and shrink) 10,000-deep values.
      { numRuns: 25, endOnFailure: true, verbose: 0, seed },
    );
    // And every hostile value as the whole argument, not left to chance.
    for (const arg of nastyConstants) await attempt(name, command, arg);
    expect(protoKeys()).toEqual(before);
  });

  it('found no problem', () => {
    expect(problems, `seed ${seed}`).toEqual([]);
    expect(counts.cases).toBeGreaterThanOrEqual(1000);
  });
});
