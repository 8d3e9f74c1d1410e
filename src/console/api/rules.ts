import { z } from 'zod';
import { type CheckRulesOptions, checkRules } from '../../analysis/check-rules.js';
import type { Engine } from '../../engine/engine.js';
import type { RuleChange } from '../../engine/rule-versions.js';
import { DealflowError } from '../../model/errors.js';
import { type Rule, RuleSchema } from '../../model/rule.js';
import type { Actor } from '../../ports/access.js';
import { rulesJsonSchema } from '../../schema/rules.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../parse.js';
import type { ActivationView, RuleChangePreview, RuleCheckView, RulesView, RuleVersionsView } from '../views.js';

/** Who may open the rules page (read, check, dry-run): whoever the policy lets read reports. */
export async function mayReadRules(engine: Engine, actor: Actor): Promise<boolean> {
  return engine.access.can(actor, 'report.read', { type: 'report', name: 'rules' });
}

/** Who may activate rules: whoever the policy lets change them (`setRules` asks the same). */
export async function mayChangeRules(engine: Engine, actor: Actor): Promise<boolean> {
  return engine.access.can(actor, 'rules.change', { type: 'rules' });
}

export async function requireRulesReader(c: ApiContext): Promise<void> {
  if (await mayReadRules(c.engine, c.actor)) return;
  throw new DealflowError('FORBIDDEN', `${c.actor.id} may not read the rules (the policy's report.read)`, {
    details: { actorId: c.actor.id, action: 'report.read', resource: 'rules' },
  });
}

/** The rule set from an editor's JSON: an array of rules, or a document `{ "$schema": …, "rules": [...] }`. */
export function ruleSet(json: unknown): unknown {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && 'rules' in json ? (json as { rules: unknown }).rules : json;
}

/** The check and the simulated engines run under the engine's own settings (docs/console.md). */
export function checkOptions(engine: Engine): CheckRulesOptions {
  const { pipelines, rules: _rules, storage: _s, clock: _c, notifier: _n, ids: _i, ...settings } = engine.config;
  return { pipelines, engine: settings };
}

/** The rules' revision and changes: the store's `rules.changed` entries, oldest first. */
async function activations(engine: Engine): Promise<Array<{ at: string; changes: RuleChange[] }>> {
  const log = await engine.storage.transaction((tx) => tx.readLog({ types: ['rules.changed'] }));
  return log.map((e) => ({ at: e.at, changes: e.data.changes as RuleChange[] }));
}

/**
 * A rule as an editor shows it: without its version (the engine numbers versions itself; a stale
 * one would refuse the edit) and without settings left at their defaults. Parsing it again gives
 * the same rule, so saving it unchanged changes nothing.
 */
export function editable(rule: Rule): Record<string, unknown> {
  const { version: _version, ...rest } = rule;
  const minimal = { id: rule.id, trigger: rule.trigger, actions: rule.actions.map((a) => ({ type: a.type, params: a.params })) };
  const defaults = RuleSchema.parse(minimal) as unknown as Record<string, unknown> & { actions: Array<Record<string, unknown>> };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === 'actions') continue;
    if (!(key in minimal) && same(value, defaults[key])) continue;
    out[key] = value;
  }
  out.actions = rule.actions.map((action, i) => {
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(action)) if (key === 'type' || key === 'params' || !same(value, defaults.actions[i]![key])) kept[key] = value;
    return kept;
  });
  // The keys in the order people write them: id, name, … trigger, when, until, actions.
  const order = ['id', 'name', 'pipelineId', 'enabled', 'onChange', 'priority', 'calendar', 'trigger', 'when', 'until', 'actions'];
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => rank(order, a) - rank(order, b)));
}

function rank(order: string[], key: string): number {
  const i = order.indexOf(key);
  return i < 0 ? order.length - 1 : i;
}

function same(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

/** JSON with keys sorted and undefined left out: equal definitions give equal strings. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The rule language's JSON Schema as the package ships it (dealflow/schema/rules.json), made for
 * this engine: its action types (custom ones included) and its custom operators and decorators.
 */
export function schemaOf(engine: Engine): Record<string, unknown> {
  const { operators, operatorDecorators } = engine.config;
  return rulesJsonSchema({
    actions: engine.actions,
    ...(operators ? { operators: operators.map((o) => o.name) } : {}),
    ...(operatorDecorators ? { decorators: operatorDecorators.map((d) => d.name) } : {}),
  });
}

/** `GET api/rules`: the rules in force as editable JSON, the schema, stages and fields to complete, versions and activations. */
export async function getRules(c: ApiContext): Promise<RulesView> {
  await requireRulesReader(c);
  const { engine } = c;
  const history = await activations(engine);
  const ids = new Set([...engine.rules.map((r) => r.id), ...history.flatMap((h) => h.changes.map((ch) => ch.ruleId))]);
  return {
    rules: engine.rules.map(editable),
    schema: schemaOf(engine),
    stages: engine.pipelines.flatMap((p) => p.stages.map((s) => ({ pipelineId: p.id, id: s.id, detail: s.name }))),
    fields: engine.pipelines.flatMap((p) => Object.entries(p.fields ?? {}).map(([id, f]) => ({ pipelineId: p.id, id, detail: f.type }))),
    revision: history.length,
    versions: [...ids].map((ruleId) => {
      const all = engine.ruleVersions(ruleId);
      const current = engine.rules.find((r) => r.id === ruleId);
      return { ruleId, name: (current ?? all.at(-1))?.name ?? null, versions: all.map((r) => r.version ?? 1), current: current?.version ?? null };
    }),
    activations: history.map((h, i) => ({ ...h, revision: i + 1 })).reverse(),
    can: { activate: await mayChangeRules(engine, c.actor) },
  };
}

/** `GET api/rules/:id/versions`: each version of the rule this engine has loaded, as JSON, to compare. */
export async function getRuleVersions(c: ApiContext): Promise<RuleVersionsView> {
  await requireRulesReader(c);
  const ruleId = c.params[0]!;
  const versions = c.engine.ruleVersions(ruleId);
  if (versions.length === 0) throw new DealflowError('NOT_FOUND', `no rule "${ruleId}" in this engine's rules or their earlier versions`);
  return { ruleId, versions: versions.map((r) => ({ version: r.version ?? 1, rule: editable(r) })) };
}

const RulesBody = z.object({ rules: z.unknown(), revision: z.number().int().min(0).optional() }).strict();

/** `POST api/rules/check`: `check`'s findings (every problem, at its JSON path) and, when valid, what activating would change. */
export async function checkRulesApi(c: ApiContext): Promise<RuleCheckView> {
  await requireRulesReader(c);
  const { rules } = parseBody(RulesBody, c.body, 'the rules');
  const check = checkRules(ruleSet(rules), checkOptions(c.engine));
  return {
    findings: check.findings,
    errors: check.errors,
    warnings: check.warnings,
    changes: check.errors > 0 ? null : await preview(c.engine, c.actor, ruleSet(rules)),
  };
}

/**
 * `POST api/rules/activate`: `setRules` as the actor (the policy's `rules.change`), unless the rule
 * set changed since the editor loaded it (`revision`): then CONFLICT, and nothing changes.
 */
export async function activateRules(c: ApiContext): Promise<ActivationView> {
  await requireRulesReader(c);
  const body = parseBody(RulesBody, c.body, 'the rules');
  const before = (await activations(c.engine)).length;
  if (body.revision !== undefined && body.revision !== before) {
    throw new DealflowError('CONFLICT', `the rules changed since you loaded them (revision ${body.revision}, now ${before}); load them again`, {
      details: { revision: before },
    });
  }
  const pending = await pendingByRule(c.engine, c.actor);
  const changes = await c.engine.setRules(ruleSet(body.rules), { actor: c.actor });
  return { revision: (await activations(c.engine)).length, changes: changes.map((ch) => withEffect(ch, pending)) };
}

/** What `setRules` would change, rule by rule, as the engine numbers versions (src/engine/rule-versions.ts). */
async function preview(engine: Engine, actor: Actor, json: unknown): Promise<RuleChangePreview[]> {
  const candidate = (json as unknown[]).map((r) => RuleSchema.parse(r));
  const pending = await pendingByRule(engine, actor);
  const out: RuleChange[] = [];
  for (const rule of candidate) {
    const before = engine.ruleVersions(rule.id).at(-1);
    const current = engine.rules.find((r) => r.id === rule.id);
    const unchanged = before !== undefined && same({ ...rule, version: undefined }, { ...before, version: undefined });
    const version = rule.version ?? (before === undefined ? 1 : unchanged ? (before.version ?? 1) : (before.version ?? 1) + 1);
    if (!current) out.push({ ruleId: rule.id, kind: 'added', from: before?.version ?? null, to: version, policy: rule.onChange });
    else if (current.version !== version) {
      const kind = current.enabled && !rule.enabled ? 'disabled' : !current.enabled && rule.enabled ? 'enabled' : 'changed';
      out.push({ ruleId: rule.id, kind, from: current.version ?? 1, to: version, policy: rule.onChange });
    }
  }
  for (const old of engine.rules) {
    if (!candidate.some((r) => r.id === old.id)) out.push({ ruleId: old.id, kind: 'removed', from: old.version ?? 1, to: null, policy: old.onChange });
  }
  return out.map((ch) => withEffect(ch, pending));
}

/** Pending jobs per rule and version, of the deals the actor may read: how many, and on which deals. */
type Pending = { byRule: Map<string, Map<number, { jobs: number; deals: Set<string> }>>; capped: boolean };

/** The most pending jobs a preview reads (it is asked after each edit): beyond, counts are "at least". */
const PENDING_READ = 10_000;

async function pendingByRule(engine: Engine, actor: Actor): Promise<Pending> {
  const jobs = await engine.dueJobs({ until: '9999-12-31T00:00:00.000Z', limit: PENDING_READ }, { actor });
  const byRule: Pending['byRule'] = new Map();
  for (const job of jobs) {
    if (job.ruleVersion === undefined) continue;
    let byVersion = byRule.get(job.ruleId);
    if (!byVersion) byRule.set(job.ruleId, (byVersion = new Map()));
    let entry = byVersion.get(job.ruleVersion);
    if (!entry) byVersion.set(job.ruleVersion, (entry = { jobs: 0, deals: new Set() }));
    entry.jobs++;
    entry.deals.add(job.dealId);
  }
  return { byRule, capped: jobs.length >= PENDING_READ };
}

/** A change with the pending jobs of earlier versions it touches and, in words, what happens to them when they come due. */
function withEffect(change: RuleChange, pending: Pending): RuleChangePreview {
  let jobs = 0;
  const deals = new Set<string>();
  for (const [version, p] of pending.byRule.get(change.ruleId) ?? []) {
    if (change.to !== null && version >= change.to) continue;
    jobs += p.jobs;
    for (const d of p.deals) deals.add(d);
  }
  const v = (n: number | null) => (n === null ? '' : `v${n}`);
  let effect: string;
  if (jobs === 0) effect = 'no pending jobs of earlier versions';
  else if (change.kind === 'removed')
    effect = change.policy === 'keep' ? 'they run as their version scheduled them (keep)' : 'they are cancelled when they come due: the rule is gone';
  else if (change.policy === 'cancel') effect = 'they are cancelled when they come due (cancel)';
  else if (change.policy === 'keep') effect = 'they run as the version that scheduled them says (keep)';
  else if (change.kind === 'disabled') effect = `they are re-checked under ${v(change.to)}, which is disabled: cancelled when they come due (recheck)`;
  else
    effect = `they are re-checked under ${v(change.to)} when they come due: run if its criteria hold and it still has their action, else cancelled (recheck)`;
  const count = `${pending.capped ? 'at least ' : ''}${jobs} pending job(s)`;
  return { ...change, pendingJobs: jobs, deals: [...deals].sort().slice(0, 50), effect: jobs === 0 ? effect : `${count}: ${effect}` };
}
