import type { Engine } from '../engine/engine.js';
import type { Deal } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import type { AccessAction, AccessResource, Actor } from '../ports/access.js';
import type { RunnerStats } from '../runner/index.js';
import type { SimulationEngineConfig } from '../simulation/simulate.js';
import type { DryRuns } from './dry-run/runs.js';
import type { ClockView, PersonView } from './views.js';

/** A clock the console may move: a FakeClock, or anything with the same `set`. */
export interface SettableClock {
  now(): Date;
  set(to: Date | string): void;
}

/** createConsole's options after defaults. */
export interface ConsoleSettings {
  engine: Engine;
  basePath: string;
  maxBodyBytes: number;
  allowedOrigins: ReadonlyArray<string>;
  runner: { readonly stats: RunnerStats } | undefined;
  clock: SettableClock | undefined;
  switchUsers: ReadonlyArray<string> | undefined;
  cookie: string;
  /** The largest rule set a request may carry, in bytes. */
  maxRulesBytes: number;
  /** Settings for the simulated engines of dry runs that the engine's own config cannot give a worker. */
  dryRun: { engine: SimulationEngineConfig; module: string | null; maxDeals: number };
  dryRuns: DryRuns;
}

/** One API call: the engine, who asks, the URL, the path's parameters and the parsed body. */
export interface ApiContext {
  settings: ConsoleSettings;
  engine: Engine;
  actor: Actor;
  url: URL;
  params: string[];
  body: unknown;
  people: People;
}

/** Display names through the engine's Directory, looked up once per call. */
export class People {
  private readonly names = new Map<string, Promise<string>>();
  private readonly settled = new Map<string, string>();

  constructor(private readonly engine: Engine) {}

  name(id: string): Promise<string> {
    let name = this.names.get(id);
    if (!name) {
      name = Promise.resolve(this.engine.directory.get(id)).then(
        (u) => u?.name ?? id,
        () => id,
      );
      this.names.set(id, name);
    }
    return name;
  }

  async person(id: string): Promise<PersonView> {
    return { id, name: await this.name(id) };
  }

  async maybe(id: unknown): Promise<PersonView | null> {
    return typeof id === 'string' && id !== '' ? this.person(id) : null;
  }

  /** The names resolved so far, for synchronous formatting (call `name` for each id first). */
  known(id: string): string {
    return this.settled.get(id) ?? id;
  }

  /** Resolves the names of all these ids, so `known` answers them. */
  async load(ids: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(ids)].map(async (id) => this.settled.set(id, await this.name(id))));
  }
}

/** Whether the actor may do an action on a deal, per the engine's policy (what to offer; the engine still decides). */
export async function may(
  engine: Engine,
  actor: Actor,
  action: AccessAction,
  deal: Deal,
  extra: Omit<AccessResource, 'type' | 'deal' | 'ownerTeamId'> = {},
): Promise<boolean> {
  return engine.access.can(actor, action, await engine.access.dealResource(deal, extra));
}

/** The pipeline a deal or a request names, or the first. */
export function pipelineOf(engine: Engine, id: string | null | undefined): Pipeline | undefined {
  return id ? engine.pipelines.find((p) => p.id === id) : engine.pipelines[0];
}

/** The clock as the browser shows it, with what is due next. */
export async function clockView(settings: ConsoleSettings): Promise<ClockView> {
  const next = await settings.engine.nextDueAt();
  return { now: settings.engine.clock.now().toISOString(), control: settings.clock !== undefined, nextDueAt: next ? next.toISOString() : null };
}
