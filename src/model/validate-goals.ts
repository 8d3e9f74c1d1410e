import { DealflowError, formatIssues, jsonPath, type DealflowIssue } from './errors.js';
import type { Pipeline } from './pipeline.js';
import { checkCondition } from './validate-rules.js';

/**
 * Whether going from one stage to another goes backwards: to an earlier stage in the pipeline's
 * order, or out of a won/lost stage to any other (reopening it, or turning lost into won: a
 * closed deal's outcome is changed only by someone allowed to move deals back). Static for a goal
 * (a goal belongs to one stage); the AccessPolicy's `deal.moveBackward` uses the same rule.
 */
export function goesBackward(pipeline: Pipeline, from: string, to: string): boolean {
  const i = pipeline.stages.findIndex((s) => s.id === from);
  const j = pipeline.stages.findIndex((s) => s.id === to);
  if (i < 0 || j < 0 || i === j) return false;
  const closed = (k: number) => pipeline.stages[k]!.kind === 'won' || pipeline.stages[k]!.kind === 'lost';
  if (closed(i)) return true;
  return j < i && !closed(j);
}

/**
 * Checks what the pipeline schema cannot: each goal's `when` as rule criteria are checked (known
 * facts, operators, safe paths), and that no automatic goal moves deals backwards unless it says
 * `allowBackward` — automation only moves deals forward. Throws INVALID_CONFIG listing every
 * problem with its JSON path (`$.pipelines[0].stages[3].goals[1].when.fact`). The engine calls
 * it when it is created.
 */
export function validateGoals(pipelines: ReadonlyArray<Pipeline>, facts: ReadonlyArray<string>): void {
  const issues: DealflowIssue[] = [];
  const ctx = { pipelines, facts, actionParams: () => undefined };
  pipelines.forEach((p, i) => {
    p.stages.forEach((s, j) => {
      s.goals?.forEach((g, k) => {
        const at = ['pipelines', i, 'stages', j, 'goals', k];
        if (!g.when) return;
        checkCondition(g.when, [...at, 'when'], ctx, issues);
        if (!g.allowBackward && goesBackward(p, s.id, g.moveTo)) {
          issues.push({
            path: jsonPath([...at, 'allowBackward']),
            message: `goal "${g.id}" would move deals back from "${s.id}" to "${g.moveTo}" by itself; automation only moves deals forward, so set allowBackward: true, or remove \`when\` to keep it a goal people mark by hand`,
          });
        }
      });
    });
  });
  if (issues.length > 0) {
    throw new DealflowError('INVALID_CONFIG', `the stage goals have ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
  }
}
