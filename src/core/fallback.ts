import { checkOperator, isFactCondition, isFactReference, type Condition, type CustomOperatorNames } from '../model/condition.js';
import type { Json } from '../model/deal.js';
import type { ConditionTrace, FactSource, Predicate } from './criteria.js';
import type { FactInput } from './types.js';

/**
 * Criteria the compiler does not handle — custom operators registered the json-rules-engine way,
 * host facts that are async — are evaluated by json-rules-engine itself. It is async and the
 * core is synchronous and pure, so the core never calls it. Instead:
 *
 * 1. A fallback rule's predicate asks the transition's `FallbackAnswers` for the next verdict.
 * 2. When there is none yet, it throws `FallbackNeeded` with what to evaluate (the criteria and
 *    the facts at that point of the cascade); the transition is abandoned, nothing was written.
 * 3. The engine evaluates it with json-rules-engine (awaiting async facts), appends the verdict,
 *    and runs the same transition again from the same snapshot, with the same clock reading and
 *    the same ids replayed. Being deterministic, it reaches the same question, now answered, and
 *    goes on, to the next question or to the end.
 *
 * So the transition stays a pure function of (snapshot, input, env, verdicts so far), and a
 * command costs one extra pass per fallback evaluation in its cascade. Rules whose criteria the
 * compiler handles never take this path.
 */

/** One rule's `when` or `until` that json-rules-engine evaluates. */
export interface FallbackCriteria {
  ruleId: string;
  part: 'when' | 'until';
  condition: Condition;
  /** Why the compiler left it to json-rules-engine, for `explain` and the history. */
  reason: string;
}

/** The facts at the point of the question: the built-in facts as the criteria see them. */
export interface FallbackFacts {
  deal: unknown;
  previous: unknown;
  event: Readonly<Record<string, Json>> | null;
  now: string;
}

export interface FallbackRequest {
  criteria: FallbackCriteria;
  facts: FallbackFacts;
  /** The input host facts are computed from. */
  input: FactInput;
}

export interface FallbackVerdict {
  criteria: FallbackCriteria;
  result: boolean;
  /** The fact conditions json-rules-engine evaluated, or one entry with `error` if it rejected. */
  trace: ConditionTrace[];
}

/** Thrown by the core when a fallback verdict is needed; caught by the engine, never by users. */
export class FallbackNeeded extends Error {
  constructor(readonly request: FallbackRequest) {
    super(
      `the ${request.criteria.part} criteria of rule "${request.criteria.ruleId}" need json-rules-engine (${request.criteria.reason}); run them through the engine`,
    );
    this.name = 'FallbackNeeded';
  }
}

/** The verdicts the engine has so far for one transition, handed out in the order they are asked for. */
export class FallbackAnswers {
  private next = 0;

  constructor(private readonly verdicts: ReadonlyArray<FallbackVerdict> = []) {}

  answer(criteria: FallbackCriteria, facts: AnsweringFacts, trace: ConditionTrace[] | undefined): boolean {
    const verdict = this.verdicts[this.next];
    if (!verdict) {
      const request: FallbackRequest = {
        criteria,
        facts: { deal: facts.get('deal'), previous: facts.input.previous, event: facts.input.event, now: facts.input.now },
        input: facts.input,
      };
      throw new FallbackNeeded(request);
    }
    if (verdict.criteria !== criteria) {
      throw new Error(`the transition asked for rule "${criteria.ruleId}" where it asked for "${verdict.criteria.ruleId}" before; it is not deterministic`);
    }
    this.next++;
    if (trace) for (const t of verdict.trace) trace.push(t);
    return verdict.result;
  }
}

/**
 * The facts a fallback predicate is handed: the core's `DealFacts` (core/facts.ts), seen by its
 * shape so that this module and that one need not import each other (they used to, in a cycle).
 */
interface AnsweringFacts extends FactSource {
  readonly input: FactInput;
  readonly answers?: FallbackAnswers;
}

function isAnswering(facts: FactSource): facts is AnsweringFacts {
  return 'input' in facts && typeof (facts as { input?: unknown }).input === 'object';
}

/** The predicate of fallback criteria: the verdict json-rules-engine gave the engine for this point. */
export function fallbackPredicate(criteria: FallbackCriteria): Predicate {
  return (facts: FactSource, trace?: ConditionTrace[]) => {
    if (!isAnswering(facts)) throw new Error(`rule "${criteria.ruleId}" is evaluated by json-rules-engine and needs the engine's facts`);
    return (facts.answers ?? new FallbackAnswers()).answer(criteria, facts, trace);
  };
}

/** What the compiler may not handle in a rule's criteria. */
export interface FallbackTriggers {
  customOperators?: CustomOperatorNames;
  /** Host facts that are async. */
  asyncFacts?: ReadonlySet<string>;
}

/** Why json-rules-engine must evaluate this condition, or undefined when the compiler can. */
export function fallbackReason(cond: Condition, triggers: FallbackTriggers): string | undefined {
  if (isFactCondition(cond)) {
    if (checkOperator(cond.operator) !== undefined && checkOperator(cond.operator, triggers.customOperators) === undefined) {
      return `custom operator "${cond.operator}"`;
    }
    const async = triggers.asyncFacts;
    if (async?.has(cond.fact)) return `async fact "${cond.fact}"`;
    if (async && isFactReference(cond.value) && async.has(String(cond.value.fact))) return `async fact "${String(cond.value.fact)}"`;
    return undefined;
  }
  const children = 'all' in cond ? cond.all : 'any' in cond ? cond.any : [cond.not];
  for (const c of children) {
    const why = fallbackReason(c, triggers);
    if (why) return why;
  }
  return undefined;
}

const COMPILED = Object.freeze({});

/** What the history says about who evaluated a rule's criteria: nothing for compiled ones. */
export function evaluatedBy(cr: { fallback?: { when?: FallbackCriteria; until?: FallbackCriteria } }, part: 'when' | 'until'): Record<string, string> {
  const fb = cr.fallback?.[part];
  return fb ? { evaluator: 'json-rules-engine', fallbackReason: fb.reason } : COMPILED;
}
