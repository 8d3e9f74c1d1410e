/**
 * What the console's JSON API answers: plain data, shared by the server (src/console) and the
 * browser app (src/console/ui), which imports these types only.
 */
import type { Board, BoardCard, BoardColumn } from '../engine/board.js';
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
  /** Pages this user may open: the reports only when the policy lets them read reports. */
  can: { reports: boolean };
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

/** `GET api/reports/:name`: a report's table. */
export interface ReportView {
  name: string;
  title: string;
  columns: Array<{ key: string; label: string; format: string }>;
  rows: Array<Record<string, unknown>>;
  notes: string[];
}

/** Every error the API answers with: the DealflowError code (or the console's own), and a message that says what to do. */
export interface ErrorView {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
