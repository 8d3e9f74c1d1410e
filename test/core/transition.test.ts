import { describe, expect, it, vi } from 'vitest';
import {
  ActionRegistry,
  BUILTIN_ACTIONS,
  defineAction,
  HISTORY_TYPES,
  isDealflowError,
  parseRules,
  PipelineIndex,
  PipelineSchema,
  RuleBook,
  SequentialIds,
  transition,
  type CoreEnv,
  type CoreInput,
  type DealSnapshot,
  type Effect,
  type Job,
  type Outcome,
  type RuleInput,
} from '../../src/index.js';
import { salesPipeline } from '../helpers.js';
import { z } from 'zod';

// The core in the XState style: a snapshot and an input in, the next snapshot and the effects
// out, nothing executed. Everything here goes through the package's entry point, so `transition`
// is callable from outside with the types it exports. The modules under test: core/deal-changes.ts,
// core/cascade.ts, core/due-jobs.ts (core/transition.ts puts them together).

const NOW = '2026-03-02T09:00:00.000Z';
const LATER = '2026-03-05T09:00:00.000Z';
const pipeline = PipelineSchema.parse(salesPipeline);

/** A custom action whose delivery-time `execute` is a spy: the core must queue it, never run it. */
const execute = vi.fn(async () => {});
const pingCrm = defineAction({ type: 'pingCrm', params: z.object({ topic: z.string() }), execute });

function env(rules: RuleInput[], now = NOW): CoreEnv {
  const actions = new ActionRegistry([...BUILTIN_ACTIONS, pingCrm]);
  return {
    now,
    ids: new SequentialIds(),
    pipelines: new PipelineIndex([pipeline]),
    rules: new RuleBook(parseRules(rules, { pipelines: [pipeline], actions }), actions),
    actions,
    facts: {},
    maxDepth: 4,
  };
}

const EMPTY: DealSnapshot = { deal: null, jobs: [], enrolments: {} };
const create: CoreInput = {
  type: 'create',
  draft: { pipelineId: 'sales', stageId: 'proposal', ownerId: 'anna', title: 'Deal', amount: 1000, currency: 'EUR', fields: {}, flags: {} },
};

const nudge: RuleInput = {
  id: 'nudge',
  trigger: { type: 'stage.entered', stage: 'proposal' },
  when: { fact: 'deal', path: '$.amount', operator: 'greaterThan', value: 500 },
  actions: [{ type: 'notify', params: { to: 'owner', template: 'nudge' }, after: { days: 2 }, recheck: true }],
};

/** The effects in a form that reads as a story: `log:type`, `job.schedule`, `outbox:kind`, … */
const story = (effects: Effect[]) => effects.map((e) => (e.type === 'log' ? `log:${e.entry.type}` : e.type === 'outbox' ? `outbox:${e.message.kind}` : e.type));

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('transition: snapshot in, snapshot and effects out', () => {
  it('creates a deal and schedules its rule’s job, as effects, without touching the input snapshot', () => {
    const out = transition(deepFreeze(structuredClone(EMPTY)), create, env([nudge]));
    expect(out.snapshot.deal).toMatchObject({ id: 'deal-1', stageId: 'proposal', version: 1, createdAt: NOW });
    expect(out.snapshot.jobs).toEqual([expect.objectContaining({ id: 'job-1', ruleId: 'nudge', dueAt: '2026-03-04T09:00:00.000Z', stageId: 'proposal' })]);
    expect(story(out.effects)).toEqual(['log:deal.created', 'log:rule.fired', 'job.schedule', 'log:job.scheduled']);
    expect(out.effects.find((e) => e.type === 'job.schedule')).toEqual({ type: 'job.schedule', job: out.snapshot.jobs[0], fresh: true });
  });

  it('queues a custom action for delivery and never runs it (no port, no execute)', () => {
    const rule: RuleInput = { id: 'crm', trigger: { type: 'deal.created' }, actions: [{ type: 'pingCrm', params: { topic: 'new' } }] };
    execute.mockClear();
    const out = transition(EMPTY, create, env([rule]));
    expect(execute).not.toHaveBeenCalled();
    const queued = out.effects.filter((e) => e.type === 'outbox');
    expect(queued).toEqual([
      {
        type: 'outbox',
        message: expect.objectContaining({
          kind: 'action',
          status: 'pending',
          attempts: 0,
          key: 'enrolment-1:0',
          payload: expect.objectContaining({ type: 'pingCrm', params: { topic: 'new' } }),
        }),
      },
    ]);
  });

  it('gives the same outcome for the same snapshot, input and environment', () => {
    const a = transition(EMPTY, create, env([nudge]));
    const b = transition(EMPTY, create, env([nudge]));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('writes only typed history entries', () => {
    const out = transition(EMPTY, create, env([nudge]));
    const types = out.effects.flatMap((e) => (e.type === 'log' ? [e.entry.type] : []));
    expect(types.length).toBeGreaterThan(0);
    expect(types.filter((t) => !(HISTORY_TYPES as readonly string[]).includes(t))).toEqual([]);
  });
});

describe('deal changes (core/deal-changes.ts)', () => {
  const created = (): Outcome => transition(EMPTY, create, env([]));

  it('moves the deal: stage.changed, the next version, jobs of the left stage cancelled', () => {
    const start = transition(EMPTY, create, env([nudge])).snapshot;
    const out = transition(start, { type: 'move', stageId: 'negotiation' }, env([nudge], LATER));
    expect(out.snapshot.deal).toMatchObject({ stageId: 'negotiation', version: 2, stageEnteredAt: LATER, updatedAt: LATER });
    expect(out.snapshot.jobs).toEqual([]);
    expect(story(out.effects)).toEqual(['log:stage.changed', 'job.cancel', 'log:job.cancelled']);
    expect(out.effects[1]).toEqual({ type: 'job.cancel', jobId: 'job-1', reason: 'left-stage' });
  });

  it('changes nothing for a value equal to the one the deal has', () => {
    const start = created().snapshot;
    const out = transition(start, { type: 'update', patch: { amount: 1000 } }, env([]));
    expect(out.effects).toEqual([]);
    expect(out.snapshot.deal).toBe(start.deal);
  });

  // Regression: the messages quoted the value with JSON.stringify, which throws a TypeError for a BigInt.
  it.each([
    [{ amount: 10n }, 'amount must be a finite number, not 10n'],
    [{ flags: { vip: 10n } }, 'flag "vip" must be true or false, not 10n'],
    [{ title: 10n }, 'title must be a non-empty string, not 10n'],
  ])('rejects %o with a DealflowError that quotes the value', (patch, message) => {
    const start = created().snapshot;
    let error: unknown;
    try {
      transition(start, { type: 'update', patch: patch as never }, env([]));
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error) && error.code).toBe('INVALID_INPUT');
    expect((error as Error).message).toBe(message);
  });

  it('refuses a stale expectedVersion with CONFLICT and typed details', () => {
    const start = created().snapshot;
    let error: unknown;
    try {
      transition(start, { type: 'move', stageId: 'won', expectedVersion: 7 }, env([]));
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error) && error.code === 'CONFLICT' && error.details).toEqual({ dealId: 'deal-1', expected: 7, actual: 1 });
  });
});

describe('the cascade (core/cascade.ts)', () => {
  it('feeds a change made by one rule to the rules it triggers, one level deeper', () => {
    const rules: RuleInput[] = [
      { id: 'score', trigger: { type: 'deal.created' }, actions: [{ type: 'setField', params: { field: 'fields.score', value: 90 } }] },
      { id: 'hot', trigger: { type: 'field.changed', field: 'fields.score' }, actions: [{ type: 'notify', params: { to: 'owner', template: 'hot' } }] },
    ];
    const out = transition(EMPTY, create, env(rules));
    const fired = out.effects.flatMap((e) => (e.type === 'log' && e.entry.type === 'rule.fired' ? [[e.entry.ruleId, e.entry.data.depth]] : []));
    expect(fired).toEqual([
      ['score', 0],
      ['hot', 1],
    ]);
    expect(out.snapshot.deal?.fields).toEqual({ score: 90 });
    expect(out.effects.filter((e) => e.type === 'outbox').map((e) => (e.type === 'outbox' ? e.message.payload.template : null))).toEqual(['hot']);
  });

  it('stops a loop at maxDepth with CASCADE_LIMIT naming the rules, and returns nothing', () => {
    const rules: RuleInput[] = [
      { id: 'up', trigger: { type: 'stage.entered', stage: 'proposal' }, actions: [{ type: 'moveStage', params: { stage: 'negotiation' } }] },
      { id: 'down', trigger: { type: 'stage.entered', stage: 'negotiation' }, actions: [{ type: 'moveStage', params: { stage: 'proposal' } }] },
    ];
    let error: unknown;
    try {
      transition(EMPTY, create, env(rules));
    } catch (e) {
      error = e;
    }
    expect(isDealflowError(error) && error.code).toBe('CASCADE_LIMIT');
    expect(isDealflowError(error) && error.code === 'CASCADE_LIMIT' && error.details?.rules).toEqual(['up', 'down']);
  });
});

describe('due jobs (core/due-jobs.ts)', () => {
  const scheduled = () => {
    const out = transition(EMPTY, create, env([nudge]));
    return { snapshot: out.snapshot, job: out.snapshot.jobs[0] as Job };
  };

  it('runs a due job whose criteria still hold: job.done, the action’s effects, the re-check in the history', () => {
    const { snapshot, job } = scheduled();
    const out = transition(snapshot, { type: 'job', job }, env([nudge], LATER));
    expect(story(out.effects)).toEqual(['job.done', 'log:job.ran', 'outbox:notification', 'log:notification.queued', 'log:action.executed']);
    const ran = out.effects[1];
    expect(ran?.type === 'log' && ran.entry.data).toMatchObject({
      jobId: job.id,
      ruleVersion: 1,
      criteria: [expect.objectContaining({ fact: 'deal', result: true })],
    });
    expect(out.snapshot.jobs).toEqual([]);
  });

  it('cancels a due job whose criteria no longer hold, saying what it saw', () => {
    const { snapshot, job } = scheduled();
    const smaller = transition(snapshot, { type: 'update', patch: { amount: 100 } }, env([nudge])).snapshot;
    const out = transition(smaller, { type: 'job', job }, env([nudge], LATER));
    expect(story(out.effects)).toEqual(['job.cancel', 'log:job.cancelled']);
    const cancelled = out.effects[1];
    expect(cancelled?.type === 'log' && cancelled.entry.data).toMatchObject({
      reason: 'criteria-no-longer-hold',
      criteria: [expect.objectContaining({ result: false })],
    });
  });

  it('cancels a due job whose deal is gone (its job still stored)', () => {
    const { job } = scheduled();
    const out = transition({ deal: null, jobs: [job], enrolments: {} }, { type: 'job', job }, env([nudge], LATER));
    expect(out.effects[0]).toEqual({ type: 'job.cancel', jobId: job.id, reason: 'deal-gone' });
    expect(out.snapshot.jobs).toEqual([]);
  });
});
