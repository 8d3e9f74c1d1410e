import { DealflowError } from '../model/errors.js';
import type { Goal } from '../model/goal.js';
import type { Stage } from '../model/pipeline.js';
import { goesBackward } from '../model/validate-goals.js';
import { compileValidCondition, type ConditionTrace, type Predicate } from './criteria.js';
import type { CoreFeature, FeatureContext, FeatureRegistration } from './features.js';

/** The core feature name of stage goals, for routing `achieveGoal` commands. */
export const GOAL_FEATURE = 'goal';

/** `achieveGoal`: a person marks a goal of the deal's current stage reached. */
export interface GoalInput {
  op: 'achieve';
  goalId: string;
  actorId: string | null;
}

const compiled = new WeakMap<Goal, Predicate>();

function predicateOf(goal: Goal): Predicate | undefined {
  if (!goal.when) return undefined;
  let p = compiled.get(goal);
  if (!p) compiled.set(goal, (p = compileValidCondition(goal.when)));
  return p;
}

function currentStage(ctx: FeatureContext): Stage | undefined {
  const deal = ctx.deal;
  return deal ? ctx.pipeline?.stages.find((s) => s.id === deal.stageId) : undefined;
}

/**
 * Stage goals. `achieveGoal` moves the deal to the goal's stage; a goal with `when` is reached
 * by itself after any change once its condition holds (checked after every occurrence, so a
 * cascade that sets `invoiceStatus: 'paid'` moves the deal on in the same command). Automatic
 * goals only move forward unless they say `allowBackward` (configuration refuses the others).
 */
export function goalFeature(): CoreFeature {
  return {
    name: GOAL_FEATURE,
    recordKinds: [],
    onInput(ctx, raw) {
      const input = raw as GoalInput;
      const deal = ctx.deal;
      if (!deal) throw new DealflowError('NOT_FOUND', 'goals belong to a deal, and there is none');
      const stage = currentStage(ctx);
      const goal = stage?.goals?.find((g) => g.id === input.goalId);
      if (!stage || !goal) {
        const elsewhere = ctx.pipeline?.stages.find((s) => s.goals?.some((g) => g.id === input.goalId));
        const here = stage?.goals?.map((g) => g.id) ?? [];
        throw new DealflowError(
          'INVALID_INPUT',
          `goal "${input.goalId}" is not a goal of stage "${deal.stageId}", where deal "${deal.id}" is${elsewhere ? ` (it belongs to stage "${elsewhere.id}")` : ''}; ${here.length ? `this stage's goals are ${here.join(', ')}` : 'this stage has no goals'}`,
          { details: { dealId: deal.id, stageId: deal.stageId, goalId: input.goalId } },
        );
      }
      reach(ctx, stage, goal, { by: input.actorId ?? 'command', automatic: false });
    },
    listens: (pipeline) => pipeline.stages.some((s) => s.goals?.some((g) => g.when !== undefined)),
    onOccurrence(ctx, occ) {
      // A stage move raises stage.left and stage.entered, a creation deal.created and stage.entered:
      // look once per change, or a goal reached on the first would be looked at again on the second.
      if (occ.type === 'stage.left' || occ.type === 'deal.created') return;
      const deal = ctx.deal;
      if (!deal || !ctx.pipeline) return;
      const stage = currentStage(ctx);
      if (!stage?.goals) return;
      for (const goal of stage.goals) {
        const when = predicateOf(goal);
        if (!when) continue;
        if (!goal.allowBackward && goesBackward(ctx.pipeline, stage.id, goal.moveTo)) continue;
        const trace: ConditionTrace[] = [];
        if (!when(ctx.facts(), trace)) continue;
        reach(ctx, stage, goal, { by: GOAL_FEATURE, automatic: true, criteria: trace });
        return;
      }
    },
  };
}

function reach(ctx: FeatureContext, stage: Stage, goal: Goal, how: { by: string; automatic: boolean; criteria?: ConditionTrace[] }): void {
  ctx.log(
    'goal.achieved',
    {
      goalId: goal.id,
      name: goal.name ?? null,
      from: stage.id,
      to: goal.moveTo,
      by: how.by,
      automatic: how.automatic,
      ...(how.criteria ? { criteria: how.criteria } : {}),
    },
    GOAL_FEATURE,
  );
  ctx.moveStage(goal.moveTo);
}

/** Stage goals: no action types, no records (a goal reached moves the deal). */
export const GOALS: FeatureRegistration = {
  name: GOAL_FEATURE,
  recordKinds: [],
  actions: () => [],
  build: () => goalFeature(),
};
