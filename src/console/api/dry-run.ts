import { z } from 'zod';
import { checkRules } from '../../analysis/check-rules.js';
import { DealflowError } from '../../model/errors.js';
import type { PipelineInput } from '../../model/pipeline.js';
import type { User } from '../../ports/directory.js';
import { GENERATED_PIPELINE } from '../../simulation/generate.js';
import type { SimulationEngineConfig } from '../../simulation/simulate.js';
import type { ApiContext } from '../context.js';
import type { DryRunJob, WorkerHistory } from '../dry-run/protocol.js';
import { recordedHistory } from '../dry-run/recorded.js';
import { parseBody } from '../parse.js';
import type { DryRunHistory, DryRunView } from '../views.js';
import { checkOptions, requireRulesReader, ruleSet } from './rules.js';

const History = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('generated'),
      deals: z.number().int().min(1),
      days: z.number().int().min(1).max(366),
      seed: z.union([z.number().int(), z.string().min(1).max(100)]),
    })
    .strict(),
  z.object({ source: z.literal('recorded'), days: z.number().int().min(1).max(366) }).strict(),
]);

const DryRunBody = z.object({ rules: z.unknown(), history: History }).strict();

/** The settings that can cross to a worker thread: data, not functions (custom actions, facts and the like stay behind). */
function portableSettings(c: ApiContext): SimulationEngineConfig {
  const { slas, playbooks, calendars, digests, exceptions, maxCascadeDepth } = c.engine.config;
  const out: SimulationEngineConfig = { ...c.settings.dryRun.engine };
  if (slas) out.slas = structuredClone(slas);
  if (playbooks) out.playbooks = structuredClone(playbooks);
  if (calendars) out.calendars = structuredClone(calendars);
  if (digests) out.digests = structuredClone(digests);
  if (exceptions) out.exceptions = structuredClone(exceptions);
  if (maxCascadeDepth !== undefined) out.maxCascadeDepth = maxCascadeDepth;
  return out;
}

/** The directory's users a recorded history names: owners, their managers and theirs. */
async function users(c: ApiContext, ownerIds: Iterable<string>): Promise<User[]> {
  const out = new Map<string, User>();
  const queue = [...ownerIds];
  while (queue.length > 0 && out.size < 10_000) {
    const id = queue.shift()!;
    if (out.has(id)) continue;
    const user = await c.engine.directory.get(id);
    if (!user) continue;
    out.set(id, structuredClone(user));
    if (user.managerId) queue.push(user.managerId);
  }
  return [...out.values()];
}

/**
 * `POST api/rules/dry-run { rules, history }`: replays a history under the rules in force and the
 * edited ones in a worker thread — a generated one (seed and size, on `GENERATED_PIPELINE` when
 * the engine has no pipeline of its id) or the store's own over the last N days (the deals the
 * user may read) — and answers at once with the run's id; `GET api/rules/dry-run/:id` follows it.
 * Invalid rules are refused before anything starts.
 */
export async function startDryRun(c: ApiContext): Promise<DryRunView> {
  await requireRulesReader(c);
  const body = parseBody(DryRunBody, c.body, 'the dry run');
  const candidate = ruleSet(body.rules);
  const check = checkRules(candidate, checkOptions(c.engine));
  const errors = check.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new DealflowError('INVALID_RULES', `the edited rules have ${errors.length} problem(s); fix them before a dry run`, {
      issues: errors.map((f) => ({ path: f.path, message: f.message })),
    });
  }
  const pipelines: PipelineInput[] = structuredClone(c.engine.config.pipelines) as PipelineInput[];
  const spec: DryRunHistory = body.history;
  // A generated history's size is bounded: each deal costs the worker memory (10,000 deals over 90 days: ~0.5 GB).
  if (spec.source === 'generated' && spec.deals > c.settings.dryRun.maxDeals) {
    throw new DealflowError('INVALID_INPUT', `a generated history may have at most ${c.settings.dryRun.maxDeals} deals (createConsole's dryRun.maxDeals)`, {
      issues: [{ path: '$.history.deals', message: `at most ${c.settings.dryRun.maxDeals}` }],
    });
  }
  let history: WorkerHistory;
  let directory: User[] | null = null;
  if (spec.source === 'generated') {
    // The generated deals live on the generated pipeline: added for the run when the engine lacks it.
    if (!pipelines.some((p) => p.id === GENERATED_PIPELINE.id)) pipelines.push(structuredClone(GENERATED_PIPELINE));
    history = { source: 'generated', deals: spec.deals, days: spec.days, seed: spec.seed };
  } else {
    const recorded = await recordedHistory(c.engine, c.actor, spec.days);
    history = { source: 'recorded', ...recorded };
    directory = await users(
      c,
      recorded.events.flatMap((e) => (e.type === 'created' ? [e.deal.ownerId] : [])),
    );
  }
  const job: DryRunJob = {
    current: c.engine.rules,
    candidate,
    pipelines,
    engine: portableSettings(c),
    users: directory,
    history,
    module: c.settings.dryRun.module,
  };
  return c.settings.dryRuns.start(c.actor.id, spec, job);
}

/** `GET api/rules/dry-run/:id?offset=&limit=`: the run's progress; once done, its totals, rules and a page of changed deals. */
export async function getDryRun(c: ApiContext): Promise<DryRunView> {
  const q = c.url.searchParams;
  const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
  const limit = Math.min(200, Math.max(0, Number(q.get('limit') ?? 50) || 0));
  return c.settings.dryRuns.get(c.params[0]!, c.actor.id, offset, limit);
}

/** `POST api/rules/dry-run/:id/cancel`: ends the run's worker. */
export async function cancelDryRun(c: ApiContext): Promise<DryRunView> {
  return c.settings.dryRuns.cancel(c.params[0]!, c.actor.id);
}
