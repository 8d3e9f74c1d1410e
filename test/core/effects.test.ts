import { describe, expect, it } from 'vitest';
import {
  ActionRegistry,
  BUILTIN_ACTIONS,
  EffectDataNeeded,
  parseRules,
  PipelineIndex,
  PipelineSchema,
  RuleBook,
  SequentialIds,
  transition,
  type CoreEnv,
  type CoreInput,
  type DealSnapshot,
  type DirectoryView,
  type Effect,
  type RuleInput,
} from '../../src/index.js';
import { taskActions } from '../../src/core/tasks/actions.js';
import { taskFeature } from '../../src/core/tasks/feature.js';
import { salesPipeline } from '../helpers.js';

// Effects final, in the XState style: a snapshot, an input and an environment in (the Directory
// records and open digests the engine would have loaded, as `env.directory`), the effects out,
// nothing executed. Recipient fan-out and task notices are decided by the core
// (core/effects/finalize.ts); the engine's writer only stores what comes out.

const NOW = '2026-03-02T09:00:00.000Z';
const pipeline = PipelineSchema.parse(salesPipeline);
const EMPTY: DealSnapshot = { deal: null, jobs: [], enrolments: {} };
const create: CoreInput = {
  type: 'create',
  draft: { pipelineId: 'sales', stageId: 'proposal', ownerId: 'anna', title: 'Bakery POS', amount: 1000, currency: 'EUR', fields: {}, flags: {} },
};

/** What the engine would load from an InMemoryDirectory of anna (manager maria), boris and carl (legal). */
const directory: DirectoryView = {
  users: { anna: { id: 'anna', managerId: 'maria' }, maria: { id: 'maria' } },
  roles: { legal: ['boris', 'carl'] },
  digests: {},
};

function env(rules: RuleInput[], view?: DirectoryView): CoreEnv {
  const actions = new ActionRegistry([...BUILTIN_ACTIONS, ...taskActions(new Map())]);
  return {
    now: NOW,
    ids: new SequentialIds(),
    pipelines: new PipelineIndex([pipeline]),
    rules: new RuleBook(parseRules(rules, { pipelines: [pipeline], actions }), actions),
    actions,
    facts: {},
    maxDepth: 4,
    features: [taskFeature({ playbooks: new Map() })],
    ...(view ? { directory: view } : {}),
  };
}

const outbox = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'outbox' ? [e.message] : []));
const history = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'log' ? [e.entry] : []));

describe('recipient fan-out (core/effects/recipients.ts)', () => {
  const toLegal: RuleInput = {
    id: 'legal',
    trigger: { type: 'deal.created' },
    actions: [{ type: 'notify', params: { to: { role: 'legal' }, template: 'review' } }],
  };

  it('makes one outbox message per user of a role, each keyed by its recipient; the first keeps the queued id', () => {
    const out = transition(EMPTY, create, env([toLegal], directory));
    expect(outbox(out.effects).map((m) => [m.id, m.key, m.payload.recipientId])).toEqual([
      ['msg-1', 'enrolment-1:0->boris', 'boris'],
      ['msg-2', 'enrolment-1:0->carl', 'carl'],
    ]);
    // The history says what was queued once, to the role, as the rule said it.
    expect(
      history(out.effects)
        .filter((e) => e.type === 'notification.queued')
        .map((e) => e.data),
    ).toEqual([{ messageId: 'msg-1', key: 'enrolment-1:0', to: { role: 'legal' }, template: 'review' }]);
  });

  it('sends "manager" to the owner’s manager from the Directory records it was given', () => {
    const rule: RuleInput = { id: 'boss', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'manager', template: 'big' } }] };
    const out = transition(EMPTY, create, env([rule], directory));
    expect(outbox(out.effects).map((m) => m.payload.recipientId)).toEqual(['maria']);
  });

  it('keeps one message with the reason when nobody has the role, for delivery to dead-letter', () => {
    const out = transition(EMPTY, create, env([toLegal], { ...directory, roles: { legal: [] } }));
    expect(outbox(out.effects).map((m) => [m.payload.recipientId, m.payload.unresolved])).toEqual([[null, 'no user has the role "legal"']]);
  });

  it('names what it needs when the environment lacks it, instead of guessing that nobody is there', () => {
    let error: unknown;
    try {
      transition(EMPTY, create, env([toLegal]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EffectDataNeeded);
    expect((error as EffectDataNeeded).needs).toEqual({ users: [], roles: ['legal'], digests: [] });
  });
});

describe('digest holds (core/effects/digest-hold.ts)', () => {
  const daily: RuleInput = {
    id: 'daily',
    trigger: { type: 'deal.created' },
    actions: [{ type: 'notify', params: { to: 'owner', template: 'new', digest: 'daily at 17:00' } }],
  };

  it('opens the recipient’s digest when none is open: the digest row and the pointer to it, as effects', () => {
    const view: DirectoryView = {
      ...directory,
      users: { anna: { id: 'anna', timezone: 'Europe/Berlin' } },
      digests: { 'digest.open:daily at 17:00:anna': null },
    };
    const out = transition(EMPTY, create, env([daily], view));
    const opened = out.effects.filter((e) => e.type === 'meta' || e.type === 'outbox');
    expect(opened).toEqual([
      { type: 'meta', key: 'digest.open:daily at 17:00:anna', value: 'msg-2' },
      { type: 'outbox', message: expect.objectContaining({ id: 'msg-2', kind: 'digest', status: 'pending', nextAttemptAt: '2026-03-02T16:00:00.000Z' }) },
    ]);
  });

  it('adds to the open digest it was given, marked to replace the stored row', () => {
    const first = transition(
      EMPTY,
      create,
      env([daily], { ...directory, users: { anna: { id: 'anna' } }, digests: { 'digest.open:daily at 17:00:anna': null } }),
    );
    const open = outbox(first.effects)[0]!;
    const out = transition(
      EMPTY,
      create,
      env([daily], { ...directory, users: { anna: { id: 'anna' } }, digests: { 'digest.open:daily at 17:00:anna': open } }),
    );
    expect(out.effects.filter((e) => e.type === 'meta')).toEqual([]);
    const [added] = out.effects.filter((e) => e.type === 'outbox');
    expect(added).toMatchObject({ type: 'outbox', replace: true, message: { id: open.id } });
    expect(added?.type === 'outbox' && (added.message.payload.items as unknown[]).length).toBe(2);
  });
});

describe('task notices (core/effects/task-people.ts)', () => {
  const taskRule: RuleInput = {
    id: 'prep',
    trigger: { type: 'deal.created' },
    actions: [{ type: 'createTask', params: { key: 'prep', title: 'Prepare {{title}}', assignee: 'manager', coAssignees: [{ role: 'legal' }] } }],
  };

  it('resolves the task’s people and queues "new task" for each of them, all as effects', () => {
    const out = transition(EMPTY, create, env([taskRule], directory));
    const task = out.effects.flatMap((e) => (e.type === 'record' && e.record.kind === 'task' ? [e.record.data] : []));
    expect(task).toEqual([expect.objectContaining({ title: 'Prepare Bakery POS', assigneeId: 'maria', coAssigneeIds: ['boris', 'carl'], unresolved: null })]);
    expect(outbox(out.effects).map((m) => [m.payload.recipientId, m.payload.template, (m.payload.data as { as: string }).as, m.payload.text])).toEqual([
      ['maria', 'task.assigned', 'assignee', 'New task: Prepare Bakery POS'],
      ['boris', 'task.assigned', 'co-assignee', 'New task: Prepare Bakery POS'],
      ['carl', 'task.assigned', 'co-assignee', 'New task: Prepare Bakery POS'],
    ]);
    expect(
      history(out.effects)
        .filter((e) => e.type === 'notification.queued')
        .map((e) => e.data.to),
    ).toEqual([{ user: 'maria' }, { user: 'boris' }, { user: 'carl' }]);
    // The snapshot's task is the one stored: people resolved.
    expect(out.snapshot.records?.find((r) => r.kind === 'task')?.data).toMatchObject({ assigneeId: 'maria', unresolved: null });
  });

  it('falls back to the owner when the manager is unknown, and says so in the history', () => {
    const out = transition(EMPTY, create, env([taskRule], { ...directory, users: { anna: { id: 'anna' } } }));
    expect(outbox(out.effects).map((m) => m.payload.recipientId)).toEqual(['anna', 'boris', 'carl']);
    expect(history(out.effects).find((e) => e.type === 'task.personUnresolved')?.data).toMatchObject({
      role: 'assignee',
      wanted: 'manager',
      reason: 'owner "anna" has no managerId in the directory',
      fallback: 'anna',
    });
  });
});
