import { describe, expect, it } from 'vitest';
import { checkRules } from '../../src/analysis/check-rules.js';
import type { RuleInput } from '../../src/index.js';
import { engineWith, newDeal, notifyOwner, salesPipeline } from '../helpers.js';
import { proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';
import goalsPipeline from '../../examples/negotiation-goals/pipeline.json' with { type: 'json' };
import goalsPlaybooks from '../../examples/negotiation-goals/playbooks.json' with { type: 'json' };
import goalsRules from '../../examples/negotiation-goals/rules.json' with { type: 'json' };

const pipelines = [salesPipeline];
const move = (id: string, on: string, to: string, extra: Partial<RuleInput> = {}): RuleInput => ({
  id,
  trigger: { type: 'stage.entered', stage: on },
  actions: [{ type: 'moveStage', params: { stage: to } }],
  ...extra,
});

describe('checkRules', () => {
  it('passes the seed rule set clean (exit 0)', () => {
    const result = checkRules(proposalRules, { pipelines: [proposalPipeline] });
    expect(result).toMatchObject({ findings: [], errors: 0, warnings: 0, exitCode: 0, checkedStages: true });
  });

  it('reports invalid rules with their JSON paths (exit 1)', () => {
    const result = checkRules([{ id: 'a', trigger: { type: 'stage.entered', stage: 'nowhere' }, actions: [{ type: 'notify', params: {} }] }], { pipelines });
    expect(result.exitCode).toBe(1);
    expect(result.findings.map((f) => [f.severity, f.code, f.path])).toEqual([
      ['error', 'invalid', '$[0].trigger.stage'],
      ['error', 'invalid', '$[0].actions[0].params.to'],
      ['error', 'invalid', '$[0].actions[0].params.template'],
    ]);
    expect(result.findings[0]!.rules).toEqual(['a']);
  });

  it('finds a loop that nothing stops (A moves to X, B moves back) — and the engine agrees', async () => {
    const rules = [move('to-negotiation', 'proposal', 'negotiation'), move('back-to-proposal', 'negotiation', 'proposal')];
    const result = checkRules(rules, { pipelines });
    expect(result.findings).toEqual([
      expect.objectContaining({ severity: 'error', code: 'loop', rules: ['to-negotiation', 'back-to-proposal'], path: '$[0].actions[0]' }),
    ]);
    expect(result.findings[0]!.message).toContain('"to-negotiation" moves to negotiation, which triggers "back-to-proposal"');
    const engine = engineWith(rules);
    const deal = await engine.createDeal(newDeal);
    await expect(engine.moveDeal(deal.id, 'proposal')).rejects.toMatchObject({ code: 'CASCADE_LIMIT' });
  });

  it('warns of a cycle that criteria or time may end', () => {
    const guarded = checkRules(
      [
        move('a', 'proposal', 'negotiation', { when: { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 5 } }),
        move('b', 'negotiation', 'proposal'),
      ],
      { pipelines },
    );
    expect(guarded.findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'cycle']]);
    expect(guarded.exitCode).toBe(2);
    const later = checkRules(
      [
        move('a', 'proposal', 'negotiation'),
        {
          id: 'b',
          trigger: { type: 'stage.entered', stage: 'negotiation' },
          actions: [{ type: 'moveStage', after: { days: 2 }, params: { stage: 'proposal' } }],
        },
      ],
      { pipelines },
    );
    expect(later.findings).toEqual([expect.objectContaining({ severity: 'warning', code: 'cycle' })]);
    expect(later.findings[0]!.message).toContain('(scheduled)');
  });

  it('sees a field ping-pong through setField and field.changed', () => {
    const rules: RuleInput[] = [
      { id: 'x', trigger: { type: 'field.changed', field: 'fields.note' }, actions: [{ type: 'setField', params: { field: 'fields.score', value: 1 } }] },
      { id: 'y', trigger: { type: 'field.changed', field: 'fields.score' }, actions: [{ type: 'setField', params: { field: 'fields.note', value: 'again' } }] },
    ];
    // Constant writes stop changing the deal after one round: a cycle, not a certain loop.
    expect(checkRules(rules, { pipelines }).findings).toEqual([expect.objectContaining({ code: 'cycle', rules: ['x', 'y'] })]);
  });

  it('finds rules that can never fire: contradictory criteria, an undeclared field, an impossible value', () => {
    const rules: RuleInput[] = [
      {
        id: 'contradiction',
        trigger: { type: 'deal.created' },
        when: {
          all: [
            { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 1000 },
            { fact: 'deal', path: '$.amount', operator: 'greaterThan', value: 5000 },
          ],
        },
        actions: [notifyOwner('x')],
      },
      { id: 'undeclared', trigger: { type: 'field.changed', field: 'fields.colour' }, actions: [notifyOwner('x')] },
      { id: 'impossible', trigger: { type: 'field.changed', field: 'fields.invoiceStatus', to: 'payed' }, actions: [notifyOwner('x')] },
      {
        id: 'against-trigger',
        trigger: { type: 'field.changed', field: 'fields.invoiceStatus', to: 'paid' },
        when: { fact: 'deal', path: '$.fields.invoiceStatus', operator: 'equal', value: 'sent' },
        actions: [notifyOwner('x')],
      },
    ];
    const result = checkRules(rules, { pipelines });
    expect(result.findings.map((f) => [f.rules[0], f.code, f.path])).toEqual([
      ['contradiction', 'never-fires', '$[0].when'],
      ['undeclared', 'never-fires', '$[1].trigger.field'],
      ['impossible', 'never-fires', '$[2].trigger.to'],
      ['against-trigger', 'never-fires', '$[3].when'],
    ]);
    expect(result.findings[0]!.message).toContain('deal $.amount lessThan 1000 and deal $.amount greaterThan 5000');
    expect(result.exitCode).toBe(2);
  });

  it('does not call satisfiable criteria contradictory', () => {
    const rules: RuleInput[] = [
      {
        id: 'fine',
        trigger: { type: 'deal.created' },
        when: {
          all: [
            { fact: 'deal', path: '$.amount', operator: 'greaterThanInclusive', value: 1000 },
            { fact: 'deal', path: '$.amount', operator: 'lessThanInclusive', value: 1000 },
            { fact: 'deal', path: '$.ownerId', operator: 'in', value: ['anna', 'boris'] },
            { fact: 'deal', path: '$.ownerId', operator: 'notEqual', value: 'anna' },
            {
              any: [
                { fact: 'deal', path: '$.amount', operator: 'lessThan', value: 1 },
                { fact: 'deal', path: '$.amount', operator: 'greaterThan', value: 2 },
              ],
            },
          ],
        },
        actions: [notifyOwner('x')],
      },
    ];
    expect(checkRules(rules, { pipelines }).findings).toEqual([]);
  });

  it('finds actions that would fail: a move to an unknown stage, a write to an undeclared field or of the wrong type', () => {
    const rules: RuleInput[] = [
      {
        id: 'bad',
        trigger: { type: 'deal.created' },
        actions: [
          { type: 'moveStage', params: { stage: 'archive' } },
          { type: 'setField', params: { field: 'fields.colour', value: 'red' } },
          { type: 'setField', params: { field: 'fields.score', value: 'high' } },
        ],
      },
    ];
    const result = checkRules(rules, { pipelines });
    expect(result.findings.map((f) => [f.severity, f.code, f.path])).toEqual([
      // An unknown stage is refused when the rules are parsed, with the stages to choose from.
      ['error', 'invalid', '$[0].actions[0].params.stage'],
      ['error', 'bad-action', '$[0].actions[1].params.field'],
      ['error', 'bad-action', '$[0].actions[2].params.value'],
    ]);
  });

  it('warns when two rules set the same field, or move the deal, on the same trigger', () => {
    const set = (id: string, value: string): RuleInput => ({
      id,
      trigger: { type: 'stage.entered', stage: 'proposal' },
      actions: [{ type: 'setField', params: { field: 'fields.note', value } }],
    });
    const result = checkRules([set('one', 'a'), set('two', 'b'), move('m1', 'won', 'lost'), move('m2', 'won', 'new')], { pipelines });
    expect(result.findings.map((f) => [f.code, f.rules])).toEqual([
      ['same-target', ['one', 'two']],
      ['same-target', ['m1', 'm2']],
    ]);
    expect(result.findings[0]!.message).toContain('different values ("one" → "a", "two" → "b")');
  });

  it('without pipelines, checks the rules but not their stages', () => {
    const result = checkRules([move('a', 'anywhere', 'elsewhere')]);
    expect(result).toMatchObject({ findings: [], exitCode: 0, checkedStages: false });
  });

  it('accepts what the engine would accept under the same configuration (playbooks for launchPlaybook)', () => {
    const bare = checkRules(goalsRules, { pipelines: [goalsPipeline as never] });
    expect(bare.exitCode).toBe(1);
    expect(bare.findings).toContainEqual(
      expect.objectContaining({
        message: 'unknown playbook "delivery"',
        issue: 'unknown-playbook',
        hint: 'there are none; playbooks are passed in createEngine({ playbooks })',
      }),
    );
    const configured = checkRules(goalsRules, { pipelines: [goalsPipeline as never], engine: { playbooks: goalsPlaybooks as never } });
    expect(configured).toMatchObject({ findings: [], exitCode: 0 });
  });
});

// Regression: a rule holding a value nested 10,000 deep was refused by the validation, then the
// analysis parsed it with recursive schemas and overflowed the stack (a RangeError, not a finding),
// found by the generated bad-input suite with seed 1282308853.
describe('checkRules on input beyond the limits', () => {
  it('reports the nesting as a finding at its path and does not overflow the stack', () => {
    let value: unknown = 1;
    for (let i = 0; i < 10_000; i++) value = { a: value };
    const rules = [{ id: 'deep', trigger: { type: 'manual' }, actions: [{ type: 'setField', params: { field: 'x', value } }] }];
    const result = checkRules(rules, { pipelines: [salesPipeline] });
    expect(result.findings.some((f) => f.severity === 'error' && /nest/i.test(f.message))).toBe(true);
  });
});
