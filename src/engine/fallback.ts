import { Engine as RulesEngine, type Operator, type OperatorDecorator } from 'json-rules-engine';
import type { ConditionTrace } from '../core/criteria.js';
import { isAsyncFact, type HostFacts } from '../core/facts.js';
import { FallbackAnswers, FallbackNeeded, type FallbackCriteria, type FallbackRequest, type FallbackTriggers, type FallbackVerdict } from '../core/fallback.js';
import type { IdGenerator } from '../ports/ids.js';
import { safePathResolver } from '../model/path.js';

export interface FallbackOptions {
  operators: ReadonlyArray<Operator>;
  decorators: ReadonlyArray<OperatorDecorator>;
  facts: HostFacts;
}

/** A guard against a transition that keeps asking: far more questions than any cascade has rules. */
const MAX_QUESTIONS = 10_000;

/**
 * The engine's half of the fallback (see core/fallback.ts): evaluates criteria the compiler left
 * to json-rules-engine, one json-rules-engine Engine per criteria, with the host's custom operators
 * and async facts, and re-runs the pure transition until every question is answered.
 */
export class FallbackEvaluator {
  /** How many times json-rules-engine evaluated criteria, for `explainCriteria`. */
  evaluations = 0;
  private readonly engines = new WeakMap<FallbackCriteria, RulesEngine>();

  constructor(private readonly options: FallbackOptions) {}

  /** What makes the compiler hand a rule's criteria over: the custom operator names and the async facts. */
  get triggers(): FallbackTriggers {
    const asyncFacts = new Set(Object.keys(this.options.facts).filter((id) => isAsyncFact(this.options.facts[id]!)));
    return {
      customOperators: { operators: this.options.operators.map((o) => o.name), decorators: this.options.decorators.map((d) => d.name) },
      asyncFacts,
    };
  }

  /**
   * Runs `step` (a pure transition) until it stops asking for verdicts. Each pass replays the
   * ids drawn by the passes before, so the outcome is the one a single pass would have given.
   */
  async settle<T>(ids: IdGenerator, step: (answers: FallbackAnswers, ids: IdGenerator) => T): Promise<T> {
    const verdicts: FallbackVerdict[] = [];
    const replay = new ReplayingIds(ids);
    for (;;) {
      replay.rewind();
      try {
        return step(new FallbackAnswers(verdicts), replay);
      } catch (e) {
        if (!(e instanceof FallbackNeeded)) throw e;
        if (verdicts.length >= MAX_QUESTIONS) throw new Error(`a transition asked json-rules-engine more than ${MAX_QUESTIONS} questions`);
        verdicts.push(await this.evaluate(e.request));
      }
    }
  }

  async evaluate(request: FallbackRequest): Promise<FallbackVerdict> {
    this.evaluations++;
    const { criteria, facts, input } = request;
    const runtime: Record<string, unknown> = { deal: facts.deal, previous: facts.previous, event: facts.event, now: facts.now };
    for (const [id, fn] of Object.entries(this.options.facts)) {
      // json-rules-engine reads a function-valued runtime fact as a dynamic fact, computed on first use and cached for the run.
      if (!(id in runtime)) runtime[id] = () => fn(input);
    }
    try {
      const run = await this.engineFor(criteria).run(runtime);
      const result = run.results.length > 0;
      const ruleResult = run.results[0] ?? run.failureResults[0];
      return { criteria, result, trace: traceOf(ruleResult?.conditions) };
    } catch (e) {
      // A rejected run: the criteria do not hold, as for compiled criteria that cannot be evaluated.
      const entry: ConditionTrace = {
        fact: '',
        operator: '',
        value: null,
        factValue: null,
        result: false,
        error: `json-rules-engine: ${(e as Error).message}`,
      };
      return { criteria, result: false, trace: [entry] };
    }
  }

  private engineFor(criteria: FallbackCriteria): RulesEngine {
    let engine = this.engines.get(criteria);
    if (!engine) {
      engine = new RulesEngine([], { allowUndefinedFacts: true, pathResolver: safePathResolver });
      for (const op of this.options.operators) engine.addOperator(op);
      for (const d of this.options.decorators) engine.addOperatorDecorator(d);
      // json-rules-engine wants all/any/not at the root; a one-element `all` evaluates its element alone.
      engine.addRule({ conditions: { all: [structuredClone(criteria.condition)] } as never, event: { type: 'criteria' } });
      this.engines.set(criteria, engine);
    }
    return engine;
  }
}

/** The fact conditions json-rules-engine evaluated, in our trace shape. */
function traceOf(node: unknown, out: ConditionTrace[] = []): ConditionTrace[] {
  if (node === null || typeof node !== 'object') return out;
  const n = node as Record<string, unknown>;
  for (const key of ['all', 'any']) if (Array.isArray(n[key])) for (const c of n[key] as unknown[]) traceOf(c, out);
  if (n.not) traceOf(n.not, out);
  if (typeof n.fact === 'string' && typeof n.result === 'boolean') {
    const entry: ConditionTrace = { fact: n.fact, operator: String(n.operator), value: n.valueResult, factValue: n.factResult, result: n.result };
    if (typeof n.path === 'string') entry.path = n.path;
    out.push(entry);
  }
  return out;
}

/** Hands out the ids an earlier pass drew, in order, then new ones. */
class ReplayingIds implements IdGenerator {
  private readonly drawn: Array<{ kind: string; id: string }> = [];
  private at = 0;

  constructor(private readonly inner: IdGenerator) {}

  rewind(): void {
    this.at = 0;
  }

  next(kind: string): string {
    const earlier = this.drawn[this.at];
    if (earlier) {
      if (earlier.kind !== kind) throw new Error(`a transition drew a "${kind}" id where it drew a "${earlier.kind}" id before; it is not deterministic`);
      this.at++;
      return earlier.id;
    }
    const id = this.inner.next(kind);
    this.drawn.push({ kind, id });
    this.at++;
    return id;
  }
}
