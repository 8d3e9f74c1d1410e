import type { Json } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Rule } from '../model/rule.js';

/** A change a rule's action makes to a deal, as a trigger would see it. */
export type TriggeringChange =
  | { type: 'stage.entered'; stage: string }
  | { type: 'stage.left'; stage: string }
  | { type: 'field.changed'; field: string; to: Json };

export interface Edge {
  from: string;
  to: string;
  /** The action of `from` that triggers `to`. */
  actionIndex: number;
  /** False when the action is scheduled: the loop then plays out over time, not in one cascade. */
  immediate: boolean;
  effect: TriggeringChange;
}

export interface Cycle {
  rules: string[];
  edges: Edge[];
  /** Every step immediate, no criteria or `once` to stop it, and the deal keeps changing: a certain CASCADE_LIMIT. */
  certain: boolean;
  immediate: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The pipelines a rule applies to. */
export function pipelinesOf(rule: Rule, pipelines: ReadonlyArray<Pipeline>): Pipeline[] {
  return rule.pipelineId === undefined ? [...pipelines] : pipelines.filter((p) => p.id === rule.pipelineId);
}

/** What a rule's built-in actions change: stage moves and field, flag and property writes. */
export function effectsOf(rule: Rule, pipelines: ReadonlyArray<Pipeline>): Array<{ actionIndex: number; immediate: boolean; effect: TriggeringChange }> {
  const out: Array<{ actionIndex: number; immediate: boolean; effect: TriggeringChange }> = [];
  let movedBefore = false;
  rule.actions.forEach((a, actionIndex) => {
    const immediate = a.after === undefined && a.at === undefined;
    const p = a.params as Record<string, unknown>;
    if (a.type === 'moveStage' && typeof p.stage === 'string') {
      out.push({ actionIndex, immediate, effect: { type: 'stage.entered', stage: p.stage } });
      // The stage the deal leaves: the trigger's stage for an immediate first move of a stage.entered rule; else any other.
      const left =
        immediate && !movedBefore && rule.trigger.type === 'stage.entered'
          ? [rule.trigger.stage]
          : [...new Set(pipelinesOf(rule, pipelines).flatMap((pl) => pl.stages.map((s) => s.id)))];
      for (const stage of left) if (stage !== p.stage) out.push({ actionIndex, immediate, effect: { type: 'stage.left', stage } });
      if (immediate) movedBefore = true;
    } else if (a.type === 'setField' && typeof p.field === 'string') {
      out.push({ actionIndex, immediate, effect: { type: 'field.changed', field: p.field, to: (p.value ?? null) as Json } });
    } else if (a.type === 'setFlag' && typeof p.flag === 'string') {
      out.push({ actionIndex, immediate, effect: { type: 'field.changed', field: `flags.${p.flag}`, to: p.value === undefined ? true : (p.value as Json) } });
    }
  });
  return out;
}

function triggers(rule: Rule, effect: TriggeringChange): boolean {
  const t = rule.trigger;
  if (effect.type === 'field.changed') {
    if (t.type !== 'field.changed' || t.field !== effect.field) return false;
    if (t.to !== undefined && !same(t.to, effect.to)) return false;
    // A change from X can never be a write of X.
    return !(t.from !== undefined && same(t.from, effect.to));
  }
  return t.type === effect.type && t.stage === effect.stage;
}

function overlap(a: Rule, b: Rule): boolean {
  return a.pipelineId === undefined || b.pipelineId === undefined || a.pipelineId === b.pipelineId;
}

/** Which enabled rule's actions trigger which rule. */
export function ruleEdges(rules: ReadonlyArray<Rule>, pipelines: ReadonlyArray<Pipeline>): Edge[] {
  const enabled = rules.filter((r) => r.enabled);
  const edges: Edge[] = [];
  for (const from of enabled) {
    for (const { actionIndex, immediate, effect } of effectsOf(from, pipelines)) {
      for (const to of enabled) {
        if (!overlap(from, to) || !triggers(to, effect)) continue;
        if (edges.some((e) => e.from === from.id && e.to === to.id && e.actionIndex === actionIndex)) continue;
        edges.push({ from: from.id, to: to.id, actionIndex, immediate, effect });
      }
    }
  }
  return edges;
}

/**
 * Rules that trigger each other in a loop (A moves to X, B moves back), one cycle per strongly
 * connected group, shortest first found. A cycle is `certain` when every step is immediate, no
 * rule in it has criteria or `once`, and its writes keep changing the deal (two stages, or two
 * values of one field): the cascade then always runs into the depth limit.
 */
export function findCycles(rules: ReadonlyArray<Rule>, pipelines: ReadonlyArray<Pipeline>): Cycle[] {
  const edges = ruleEdges(rules, pipelines);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const adjacency = new Map<string, Edge[]>();
  for (const e of edges) adjacency.set(e.from, [...(adjacency.get(e.from) ?? []), e]);
  const cycles: Cycle[] = [];
  const seen = new Set<string>();
  for (const component of stronglyConnected([...byId.keys()], adjacency)) {
    const inside = new Set(component);
    const start = component[0]!;
    const selfLoop = (adjacency.get(start) ?? []).find((e) => e.to === start);
    if (component.length === 1 && !selfLoop) continue;
    const path = selfLoop ? [selfLoop] : shortestCycle(start, inside, adjacency);
    if (!path) continue;
    const key = path.map((e) => e.from).join('→');
    if (seen.has(key)) continue;
    seen.add(key);
    const ids = path.map((e) => e.from);
    const immediate = path.every((e) => e.immediate);
    const unguarded = ids.every((id) => !byId.get(id)!.when && !byId.get(id)!.once);
    cycles.push({ rules: ids, edges: path, immediate, certain: immediate && unguarded && keepsChanging(path) });
  }
  return cycles;
}

function keepsChanging(path: Edge[]): boolean {
  const stages = new Set<string>();
  const values = new Map<string, Set<string>>();
  for (const e of path) {
    if (e.effect.type === 'stage.entered') stages.add(e.effect.stage);
    if (e.effect.type === 'field.changed') {
      const set = values.get(e.effect.field) ?? new Set();
      set.add(JSON.stringify(e.effect.to));
      values.set(e.effect.field, set);
    }
  }
  return stages.size >= 2 || [...values.values()].some((v) => v.size >= 2);
}

/** Tarjan's algorithm: the strongly connected components. */
function stronglyConnected(nodes: string[], adjacency: Map<string, Edge[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const e of adjacency.get(v) ?? []) {
      if (!idx.has(e.to)) {
        visit(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (onStack.has(e.to)) low.set(v, Math.min(low.get(v)!, idx.get(e.to)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.reverse());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

/** Breadth-first: the shortest path from `start` back to itself inside the component. */
function shortestCycle(start: string, inside: Set<string>, adjacency: Map<string, Edge[]>): Edge[] | undefined {
  const via = new Map<string, Edge>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const e of adjacency.get(v) ?? []) {
      if (!inside.has(e.to)) continue;
      if (e.to === start) {
        const path = [e];
        let at = v;
        while (at !== start) {
          const back = via.get(at)!;
          path.unshift(back);
          at = back.from;
        }
        return path;
      }
      if (!via.has(e.to)) {
        via.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  return undefined;
}
