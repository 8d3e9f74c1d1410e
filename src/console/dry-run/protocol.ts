/**
 * What the console's request thread and a dry run's worker thread say to each other: plain,
 * structured-clonable data only (no functions cross a thread).
 */
import type { PipelineInput } from '../../model/pipeline.js';
import type { User } from '../../ports/directory.js';
import type { RuleSetDiff } from '../../simulation/diff.js';
import type { HistoryEvent } from '../../simulation/history.js';
import type { SimulationEngineConfig } from '../../simulation/simulate.js';

/** The history a dry run replays: generated in the worker, or read from the store by the request thread. */
export type WorkerHistory =
  | { source: 'generated'; deals: number; days: number; seed: number | string }
  | { source: 'recorded'; events: HistoryEvent[]; from: string; to: string };

/** Starts a dry run: both rule sets, the history, and the settings the simulated engines get. */
export interface DryRunJob {
  /** Rule set A: the rules in force. */
  current: unknown;
  /** Rule set B: the edited rules. */
  candidate: unknown;
  pipelines: PipelineInput[];
  /** The engine's settings that can cross a thread (SLAs, playbooks, calendars, digests, exceptions…). */
  engine: SimulationEngineConfig;
  /** The directory's users for a recorded history (a generated one uses placeholders, as the CLI does). */
  users: User[] | null;
  history: WorkerHistory;
  /** A module whose default export adds settings that cannot cross a thread (custom actions, host facts). */
  module: string | null;
}

/** Progress, the result, or why it failed. */
export type WorkerMessage =
  | { type: 'progress'; phase: 'history' | 'A' | 'B' | 'diff'; done: number; total: number; at: string | null }
  | {
      type: 'done';
      diff: RuleSetDiff;
      events: { total: number; replayed: number; failed: number };
      timings: { a: number; b: number };
    }
  | { type: 'failed'; error: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
