/**
 * A sales history of 240 deals, generated from a seeded plan and played through a real engine on
 * the FakeClock (the 5-day proposal rule runs, its jobs fire at their due times). Tests compute
 * the expected report figures from the PLAN — what was decided to happen — never from the
 * engine's log or from the code under test.
 */
import { InMemoryDirectory, type Storage } from '../../src/index.js';
import { createTestEngine, type TestEngine } from '../../src/testing/index.js';
import { proposalPipeline, proposalRules } from '../../examples/proposal-deadline/setup.js';

export const START = Date.parse('2026-01-05T09:00:00.000Z');
export const MIN = 60_000;
export const DAY = 86_400_000;
/** The fixture's "now": every plan event happens before it. */
export const END = START + 75 * DAY;
export const DEALS = 240;
/** The proposal rule's threshold and deadline (examples/proposal-deadline/rules.json). */
export const SMALL = 10_000;
export const DEADLINE = 5 * DAY;

/** Stages of examples/proposal-deadline/pipeline.json, in order. */
export const STAGES = ['unsorted', 'new', 'proposal', 'negotiation', 'won', 'lost'] as const;
export type StageId = (typeof STAGES)[number];

export const TEAMS: Record<string, string> = { anna: 'north', boris: 'north', carl: 'south', dina: 'south', emil: 'south' };
export const OWNERS = Object.keys(TEAMS);
/** How often each owner ticks "complex": anna abuses it. */
const COMPLEX_RATE: Record<string, number> = { anna: 0.55, boris: 0.15, carl: 0.1, dina: 0.3, emil: 0.05 };

export interface Move {
  at: number;
  to: StageId;
}

export interface PlannedDeal {
  id: string;
  index: number;
  ownerId: string;
  /** After a reassignment, the owner at the end. */
  finalOwnerId: string;
  reassign: { at: number; to: string } | null;
  amount: number;
  complex: boolean;
  createdAt: number;
  initialStage: StageId;
  moves: Move[];
  proposalAt: number | null;
  deletedAt: number | null;
}

/** mulberry32: a tiny seeded generator, so the fixture is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A delay in whole minutes between lo and hi days, never exactly on the 5-day deadline. */
function delay(r: () => number, loDays: number, hiDays: number): number {
  let m = Math.round((loDays + r() * (hiDays - loDays)) * 1440);
  if (m * MIN === DEADLINE) m += 1;
  return m * MIN;
}

export function plan(seed = 6): PlannedDeal[] {
  const r = rng(seed);
  const deals: PlannedDeal[] = [];
  for (let i = 0; i < DEALS; i++) {
    const ownerId = OWNERS[i % OWNERS.length]!;
    // Distinct minute offsets keep every deal's events at their own instants.
    const createdAt = START + i * 6 * 3_600_000 + (i % 7) * MIN;
    const amount = 1000 + Math.floor(r() * 19) * 1000;
    const complex = r() < COMPLEX_RATE[ownerId]!;
    const initialStage: StageId = r() < 0.15 ? 'unsorted' : 'new';
    const moves: Move[] = [];
    let at = createdAt;
    let stage: StageId = initialStage;
    for (let step = 0; step < 8; step++) {
      at += delay(r, 0.3, 9);
      if (at >= END - DAY) break;
      const pos = STAGES.indexOf(stage);
      const roll = r();
      let to: StageId | null;
      if (roll < 0.6)
        to = STAGES[pos + 1]!; // next stage; from negotiation that is `won`
      else if (roll < 0.75) to = 'lost';
      else if (roll < 0.85 && pos >= 2)
        to = STAGES[pos - 1]!; // back one stage
      else to = null; // stays where it is
      if (to === null) break;
      moves.push({ at, to });
      stage = to;
      if (to === 'won' || to === 'lost') break;
    }
    const closedAt = moves.find((m) => m.to === 'won' || m.to === 'lost')?.at ?? Infinity;
    let proposalAt: number | null = r() < 0.55 ? createdAt + delay(r, 0.1, 8) + (i % 5) * 7 * 1000 : null;
    if (proposalAt !== null && (proposalAt >= closedAt || proposalAt >= END - DAY || moves.some((m) => m.at === proposalAt))) proposalAt = null;
    let reassign: PlannedDeal['reassign'] = null;
    if (i % 19 === 3) {
      const rAt = createdAt + 2 * 3_600_000 + 17 * MIN;
      if (rAt < closedAt) reassign = { at: rAt, to: OWNERS[(i + 1) % OWNERS.length]! };
    }
    const deletedAt = i % 41 === 7 ? createdAt + 3 * 3_600_000 + 11 * MIN : null;
    deals.push({
      id: `D-${String(i + 1).padStart(3, '0')}`,
      index: i,
      ownerId,
      finalOwnerId: reassign?.to ?? ownerId,
      reassign,
      amount,
      complex,
      createdAt,
      initialStage,
      // A deleted deal does nothing after its deletion.
      moves: deletedAt === null ? moves : moves.filter((m) => m.at < deletedAt),
      proposalAt: deletedAt !== null && proposalAt !== null && proposalAt >= deletedAt ? null : proposalAt,
      deletedAt,
    });
  }
  return deals;
}

export function fixtureDirectory(): InMemoryDirectory {
  return new InMemoryDirectory([
    ...OWNERS.map((id) => ({ id, roles: ['seller'], teamId: TEAMS[id]!, managerId: TEAMS[id] === 'north' ? 'maria' : 'mike' })),
    { id: 'maria', roles: ['manager'], teamId: 'north' },
    { id: 'mike', roles: ['manager'], teamId: 'south' },
    { id: 'root', roles: ['admin'] },
  ]);
}

type Step = { at: number; order: number; run: (e: TestEngine) => Promise<unknown> };

/** Plays the plan through a test engine (on the given storage, in memory by default) and leaves its clock at END. */
export async function playFixture(deals: PlannedDeal[] = plan(), storage?: Storage): Promise<TestEngine> {
  const engine = createTestEngine({
    ...(storage ? { storage } : {}),
    pipelines: [proposalPipeline],
    rules: proposalRules,
    directory: fixtureDirectory(),
    start: new Date(START).toISOString(),
  });
  const steps: Step[] = [];
  for (const d of deals) {
    steps.push({
      at: d.createdAt,
      order: 0,
      run: (e) =>
        e.createDeal({
          id: d.id,
          pipelineId: 'sales',
          stageId: d.initialStage,
          ownerId: d.ownerId,
          title: `Deal ${d.index + 1}`,
          amount: d.amount,
          flags: { complex: d.complex },
        }),
    });
    if (d.reassign) {
      const to = d.reassign.to;
      steps.push({ at: d.reassign.at, order: 1, run: (e) => e.updateDeal(d.id, { ownerId: to }) });
    }
    for (const m of d.moves) steps.push({ at: m.at, order: 2, run: (e) => e.moveDeal(d.id, m.to) });
    if (d.proposalAt !== null) {
      const iso = new Date(d.proposalAt).toISOString();
      steps.push({ at: d.proposalAt, order: 3, run: (e) => e.updateDeal(d.id, { fields: { proposalSentAt: iso } }) });
    }
    if (d.deletedAt !== null) steps.push({ at: d.deletedAt, order: 4, run: (e) => e.deleteDeal(d.id) });
  }
  steps.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const s of steps) {
    await engine.advanceTo(new Date(s.at));
    await s.run(engine);
  }
  await engine.advanceTo(new Date(END));
  return engine;
}

// ---- what the plan says, in terms reports speak --------------------------------------------------

export const iso = (ms: number) => new Date(ms).toISOString();

/** The stages a planned deal went through, with when it entered each. */
export function path(d: PlannedDeal): Array<{ stage: StageId; at: number }> {
  return [{ stage: d.initialStage, at: d.createdAt }, ...d.moves.map((m) => ({ stage: m.to, at: m.at }))];
}

export function finalStage(d: PlannedDeal): StageId {
  return d.moves.at(-1)?.to ?? d.initialStage;
}

export function closedAt(d: PlannedDeal): number | null {
  const close = d.moves.find((m) => m.to === 'won' || m.to === 'lost');
  return close ? close.at : null;
}

/** The last change to the deal: creation, a move, the reassignment or the proposal update. */
export function lastChange(d: PlannedDeal): number {
  return Math.max(d.createdAt, ...d.moves.map((m) => m.at), d.reassign?.at ?? 0, d.proposalAt ?? 0);
}

export const live = (deals: PlannedDeal[]) => deals.filter((d) => d.deletedAt === null);
