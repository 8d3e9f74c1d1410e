/**
 * What the console's JSON API answers: plain data, shared by the server (src/console) and the
 * browser app (src/console/ui), which imports these types only.
 */
import type { Board, BoardCard, BoardColumn } from '../engine/board.js';
import type { RuleFinding } from '../analysis/check-rules.js';
import type { RuleChange } from '../engine/rule-versions.js';
import type { RuleSetDiff } from '../simulation/diff.js';
import type { RuleActivity } from '../simulation/summary.js';
import type { RunnerStats } from '../runner/index.js';

/** A person as the console shows them: id and display name (the Directory's, else the id). */
export interface PersonView {
  id: string;
  name: string;
}

/** A pipeline's stages, in pipeline order, and the zone its times are shown in. */
export interface PipelineView {
  id: string;
  name: string;
  timezone: string;
  stages: Array<{ id: string; name: string; kind: string }>;
}

/** `GET api/session`: who is signed in, what they may see, the pipelines and the clock. */
export interface SessionView {
  user: PersonView & { roles: string[] };
  /** The people the header may switch between (demos and tests only), or null. */
  switchUsers: PersonView[] | null;
  pipelines: PipelineView[];
  clock: ClockView;
  /**
   * Pages this user may open: the reports and the rules (to read, check and dry-run them) only when
   * the policy lets them read reports; `activateRules` when it lets them change the rules.
   */
  can: { reports: boolean; rules: boolean; activateRules: boolean };
}

/** The engine's clock: its time, and whether the console may move it (a fake clock) and what is next due. */
export interface ClockView {
  now: string;
  control: boolean;
  nextDueAt: string | null;
}

/** A board card, with the names the browser shows. */
export interface CardView extends BoardCard {
  ownerName: string;
  version: number;
}

/** A column of the board view. */
export interface ColumnView extends Omit<BoardColumn, 'cards'> {
  cards: CardView[];
}

/** `GET api/board`: the engine's board (inbox first), filtered by owner on request. */
export interface BoardView extends Omit<Board, 'columns'> {
  columns: ColumnView[];
  /** Everyone whose cards the user may see; the owner filter is offered when there are two or more. */
  owners: PersonView[];
  owner: string | null;
}

/** `TimelineItem.tone`: how the browser colours an entry. */
export type TimelineTone = 'info' | 'good' | 'warn' | 'bad' | 'muted';

/** One line of a deal's history, in words. */
export interface TimelineItem {
  id: string;
  at: string;
  type: string;
  ruleId: string | null;
  text: string;
  tone: TimelineTone;
}

/** A pending job as shown: what it will do, for which rule, when. */
export interface JobView {
  id: string;
  dealId: string;
  dealTitle: string | null;
  ruleId: string;
  what: string;
  dueAt: string;
}

/** An approval on a deal, and whether this user is offered approve / reject. */
export interface ApprovalView {
  id: string;
  dealId: string | null;
  name: string;
  subject: string;
  status: string;
  requester: PersonView | null;
  requestedAt: string | null;
  decidedBy: PersonView | null;
  comment: string | null;
  canDecide: boolean;
}

/** A task on a deal. */
export interface TaskView {
  id: string;
  title: string;
  status: string;
  assignee: PersonView | null;
  dueAt: string | null;
  overdue: boolean;
  canComplete: boolean;
}

/** A deadline (an SLA instance) on a deal. */
export interface DeadlineView {
  id: string;
  slaId: string;
  name: string;
  status: string;
  dueAt: string | null;
  originalDueAt: string | null;
}

/** An exception flag marked on a deal. */
export interface ExceptionView {
  id: string;
  flag: string;
  reason: string | null;
  note: string | null;
  status: string;
  requestedBy: PersonView | null;
}

/** `GET api/deals/:id`: the deal, its history in words, what is pending, and what the user may do. */
export interface DealView {
  deal: {
    id: string;
    title: string;
    pipelineId: string;
    stageId: string;
    stageName: string;
    owner: PersonView;
    amount: number;
    currency: string;
    fields: Record<string, unknown>;
    flags: Record<string, boolean>;
    createdAt: string;
    stageEnteredAt: string;
    closedAt: string | null;
    version: number;
  };
  timeline: TimelineItem[];
  jobs: JobView[];
  tasks: TaskView[];
  deadlines: DeadlineView[];
  approvals: ApprovalView[];
  exceptions: ExceptionView[];
  /** The exception flags the engine knows and their listed reasons (for the "mark exception" form). */
  exceptionFlags: Array<{ flag: string; reasons: string[] }>;
  can: { move: boolean; moveBackward: boolean; markException: boolean; update: boolean };
}

/** `GET api/deals/:id/explain`: each rule's verdict on the deal, and why, in words. */
export interface ExplainView {
  dealId: string;
  rules: Array<{
    ruleId: string;
    name: string;
    verdict: string;
    why: string;
    matches: Array<{ at: string; outcome: string; reason: string | null; conditions: Array<{ ok: boolean; text: string }> }>;
    jobs: Array<{ actionId: string; status: string; dueAt: string; reason: string | null }>;
  }>;
}

/** An outbox message as shown. */
export interface MessageView {
  id: string;
  dealId: string | null;
  kind: string;
  status: string;
  recipient: string | null;
  template: string | null;
  text: string | null;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  lastError: string | null;
  canManage: boolean;
}

/** `GET api/operations`: the outbox by status, due and upcoming jobs, the runner's counters. */
export interface OperationsView {
  outbox: { pending: MessageView[]; held: MessageView[]; dead: MessageView[]; delivered: MessageView[] };
  jobs: { due: JobView[]; upcoming: JobView[] };
  runner: RunnerStats | null;
  clock: ClockView;
}

/** How a number is shown: a count, a share (0..1), a duration (ms), an amount. */
export type NumberFormat = 'int' | 'number' | 'percent' | 'duration' | 'money';

/** One series of a chart: its name and a value per x (null: nothing to show there). */
export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  format: NumberFormat;
  /** The colour family: good (met, won), bad (missed), warn, info (the default) or muted. */
  tone: TimelineTone;
}

/** A chart of a report: what it plots, exactly the numbers of its table. */
export interface ChartView {
  id: string;
  title: string;
  /** `bars`: the series side by side at each x; `lines`: a line per series. */
  kind: 'bars' | 'lines';
  /** The x positions: categories (stages, owners, reasons) or the first days of periods. */
  x: string[];
  /** What the x positions are, for the table's header ("Stage", "Week of", …). */
  xLabel: string;
  series: ChartSeries[];
  /** x positions marked (the funnel's bottleneck, reps at or over the line), and why. */
  marked: number[];
  markedLabel: string | null;
  /** A horizontal line (the 40% line of flagged deals), in the series' unit. */
  line: { value: number; label: string } | null;
  /** What to say when there is nothing to plot. */
  empty: string | null;
}

/** `GET api/reports/:name?pipeline=&from=&to=&owner=`: a report's table and its charts over the deals the user may read. */
export interface ReportView {
  name: string;
  title: string;
  columns: Array<{ key: string; label: string; format: string }>;
  rows: Array<Record<string, unknown>>;
  notes: string[];
  charts: ChartView[];
  /** The filters applied: the pipeline, the period as local dates (both days included) and an owner. */
  filter: { pipelineId: string; from: string | null; to: string | null; owner: string | null };
  /** The owners whose deals the user may read: what the owner filter offers (only herself, for a seller). */
  owners: PersonView[];
}

/** A stage or a declared field rules may name, for the editor's completion. */
export interface RuleTarget {
  pipelineId: string;
  id: string;
  /** The stage's name, or the field's type. */
  detail: string;
}

/** `GET api/rules`: the rule set in force as JSON, its schema, and what the editor completes. */
export interface RulesView {
  /** The rules in force, as JSON (what `engine.rules` holds, versions included). */
  rules: unknown[];
  /** The rule language's JSON Schema (draft 2020-12), this engine's action types included. */
  schema: Record<string, unknown>;
  stages: RuleTarget[];
  fields: RuleTarget[];
  /** How many times the rule set has changed in this store (`rules.changed` entries): its revision. */
  revision: number;
  /** Each rule's versions this engine has loaded, oldest first. */
  versions: Array<{ ruleId: string; name: string | null; versions: number[]; current: number | null }>;
  /** The rule set's changes, newest first: when, and what each did to which rule. */
  activations: Array<{ at: string; revision: number; changes: RuleChange[] }>;
  can: { activate: boolean };
}

/** `GET api/rules/:id/versions`: every version of a rule this engine has loaded, oldest first. */
export interface RuleVersionsView {
  ruleId: string;
  versions: Array<{ version: number; rule: unknown }>;
}

/** What activating a rule set would do to one rule, and to the jobs its earlier versions left pending. */
export interface RuleChangePreview extends RuleChange {
  /** Pending jobs of earlier versions of the rule (of the deals this user may read). */
  pendingJobs: number;
  /** The deals those jobs are on (at most 50): their histories show what the policy did. */
  deals: string[];
  /** What the rule's `onChange` policy does to them, in words. */
  effect: string;
}

/** `POST api/rules/check`: `check`'s findings at their JSON paths, and what activating would change. */
export interface RuleCheckView {
  findings: RuleFinding[];
  errors: number;
  warnings: number;
  /** Null when the rules are invalid (nothing could be activated). */
  changes: RuleChangePreview[] | null;
}

/** `POST api/rules/activate`: the changes `setRules` made, the new revision, and the pending jobs each change touches. */
export interface ActivationView {
  revision: number;
  changes: RuleChangePreview[];
}

/** How a dry run's history is made: generated (seed and size) or the store's own (the last N days). */
export type DryRunHistory = { source: 'generated'; deals: number; days: number; seed: number | string } | { source: 'recorded'; days: number };

/** One rule's activity under the current rules (A) and the edited ones (B), from each simulation's summary. */
export interface RuleComparison {
  ruleId: string;
  a: RuleActivity | null;
  b: RuleActivity | null;
}

/** `GET api/rules/dry-run/:id?offset=&limit=`: a dry run's progress, then its result (the `diff` the CLI prints), deals a page at a time. */
export interface DryRunView {
  id: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  history: DryRunHistory;
  /** Which simulation runs (A: the current rules, B: the edited ones) and how far it is. */
  progress: { phase: 'history' | 'A' | 'B' | 'diff'; done: number; total: number; at: string | null };
  startedAt: string;
  /** Wall time so far (or in all, once finished), ms. */
  elapsedMs: number;
  error: { code: string; message: string; issues?: Array<{ path: string; message: string }> } | null;
  result: {
    from: string;
    to: string;
    events: { total: number; replayed: number; failed: number };
    totals: RuleSetDiff['totals'];
    rules: RuleComparison[];
    /** The deals whose outcome differs, a page of them. */
    deals: RuleSetDiff['deals'];
    offset: number;
    dealsChanged: number;
    /** How long each simulation took in the worker, ms. */
    timings: { a: number; b: number };
  } | null;
}

/** Every error the API answers with: the DealflowError code (or the console's own), and a message that says what to do. */
export interface ErrorView {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
