import type { ApprovalOutcome } from '../../model/approval.js';
import { parseDealPath } from '../../model/deal-path.js';
import { DealflowError } from '../../model/errors.js';
import type { Pipeline } from '../../model/pipeline.js';
import { checkFieldValue } from '../field-types.js';

/**
 * Checks what a decision would do against the deal's pipeline when the approval is requested, so
 * a request that could never be applied (an unknown stage, an undeclared field, a flag set to a
 * string) is refused then, rather than failing every attempt to decide it. `at` names the
 * outcome (`onApprove`, `onReject`) in the error.
 */
export function checkOutcome(outcome: ApprovalOutcome, pipeline: Pipeline, at: string): void {
  if (outcome.moveStage !== undefined && !pipeline.stages.some((s) => s.id === outcome.moveStage)) {
    throw new DealflowError(
      'UNKNOWN_STAGE',
      `${at}.moveStage: unknown stage "${outcome.moveStage}" in pipeline "${pipeline.id}"; its stages are ${pipeline.stages.map((s) => s.id).join(', ')}`,
      {
        details: { stageId: outcome.moveStage, pipelineId: pipeline.id },
        issues: [{ path: `$.${at}.moveStage`, message: `unknown stage "${outcome.moveStage}"` }],
      },
    );
  }
  for (const [path, value] of Object.entries(outcome.set ?? {})) {
    const p = parseDealPath(path);
    let problem: string | undefined;
    if (typeof p === 'string') problem = p;
    else if (p.kind === 'flag') {
      if (typeof value !== 'boolean') problem = `a flag is true or false, not ${JSON.stringify(value)}`;
    } else if (p.kind === 'field') {
      try {
        checkFieldValue(p.name, value, pipeline);
      } catch (error) {
        problem = (error as Error).message;
      }
    } else if (p.name === 'amount') {
      if (typeof value !== 'number' || !Number.isFinite(value)) problem = `amount must be a finite number, not ${JSON.stringify(value)}`;
    } else if (typeof value !== 'string' || (p.name === 'ownerId' && value === '')) {
      problem = `${p.name} must be a ${p.name === 'ownerId' ? 'non-empty ' : ''}string, not ${JSON.stringify(value)}`;
    }
    if (problem !== undefined) {
      throw new DealflowError('INVALID_INPUT', `${at}.set["${path}"]: ${problem}`, { issues: [{ path: `$.${at}.set["${path}"]`, message: problem }] });
    }
  }
}
