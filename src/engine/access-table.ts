/**
 * Who may do what under the default policy, through every path: each command and query, and the
 * indirect paths (rules, approvals, goals, events, tasks, the runner). One source for two readers:
 * docs/access.md shows `accessTableMarkdown()`, and test/engine/access-table.test.ts runs every
 * row for every column against a real engine, so the documentation and the behaviour cannot drift.
 *
 * The columns are people around one deal owned by a seller: the owner; another seller of her
 * team; her team's manager (also her manager in the Directory); another team's manager; an admin.
 */

/** Who asks, relative to the deal. */
export type AccessColumn = 'owner' | 'seller' | 'manager' | 'otherManager' | 'admin';

/** The table's columns, in order, with their headings. */
export const ACCESS_COLUMNS: ReadonlyArray<{ key: AccessColumn; title: string }> = [
  { key: 'owner', title: 'owner (seller)' },
  { key: 'seller', title: 'another seller' },
  { key: 'manager', title: "owner's manager" },
  { key: 'otherManager', title: "other team's manager" },
  { key: 'admin', title: 'admin' },
];

/** How a call is reached: directly (a command or a query), or indirectly through something that acts for the caller. */
export type AccessPath = 'command' | 'query' | 'rules' | 'approvals' | 'goals' | 'events' | 'tasks' | 'runner' | 'configuration';

/** One row: a call in a situation, what the policy is asked, and who is allowed. */
export interface AccessCase {
  /** A stable key; the test has one scenario per key. */
  id: string;
  path: AccessPath;
  /** The call, as a reader would write it. */
  call: string;
  /** What the AccessPolicy is asked (or why nothing is). */
  asks: string;
  /**
   * The columns allowed; the others are refused (FORBIDDEN, or left out of a list). `system` for
   * calls that take no actor at all: trusted, for the host and the runner.
   */
  allowed: ReadonlyArray<AccessColumn> | 'system';
}

const TEAM: AccessColumn[] = ['owner', 'manager', 'admin'];
const MANAGERS: AccessColumn[] = ['manager', 'admin'];

/** Every row of docs/access.md's table. */
export const ACCESS_TABLE: ReadonlyArray<AccessCase> = [
  // ---- commands ----
  { id: 'createDeal', path: 'command', call: "createDeal({ ownerId: 'anna', … })", asks: '`deal.create`', allowed: TEAM },
  {
    id: 'createDeal.ownedFlag',
    path: 'command',
    call: "createDeal({ ownerId: 'anna', flags: { extensionApproved: true } })",
    asks: '`deal.create`; `approval.decide` for a flag an approval sets',
    allowed: MANAGERS,
  },
  { id: 'updateDeal', path: 'command', call: "updateDeal(id, { title: 'New title' })", asks: '`deal.update` with `changes`', allowed: TEAM },
  {
    id: 'updateDeal.ownedFlag',
    path: 'command',
    call: 'updateDeal(id, { flags: { extensionApproved: true } })',
    asks: '`deal.update`; `approval.decide` (a rule’s approval sets this flag)',
    allowed: MANAGERS,
  },
  {
    id: 'updateDeal.ownedField',
    path: 'command',
    call: 'updateDeal(id, { fields: { discount: 15 } })',
    asks: '`deal.update`; `approval.decide` (an approval on the deal sets this field)',
    allowed: MANAGERS,
  },
  {
    id: 'updateDeal.reassign',
    path: 'command',
    call: "updateDeal(id, { ownerId: 'boris' })",
    asks: '`deal.update`, `deal.reassign` (same team)',
    allowed: MANAGERS,
  },
  {
    id: 'updateDeal.reassignOut',
    path: 'command',
    call: "updateDeal(id, { ownerId: 'carl' })",
    asks: '`deal.update`, `deal.reassign` (to another team)',
    allowed: ['admin'],
  },
  { id: 'moveDeal', path: 'command', call: "moveDeal(id, 'negotiation')", asks: '`deal.move`', allowed: TEAM },
  { id: 'moveDeal.backward', path: 'command', call: "moveDeal(id, 'new')", asks: '`deal.move`, `deal.moveBackward`', allowed: MANAGERS },
  { id: 'moveDeal.lostToWon', path: 'command', call: "moveDeal(id, 'won') (the deal is lost)", asks: '`deal.move`, `deal.moveBackward`', allowed: MANAGERS },
  { id: 'moveDeal.reopen', path: 'command', call: "moveDeal(id, 'proposal') (the deal is won)", asks: '`deal.move`, `deal.moveBackward`', allowed: MANAGERS },
  { id: 'deleteDeal', path: 'command', call: 'deleteDeal(id)', asks: '`deal.delete`', allowed: MANAGERS },
  { id: 'emit', path: 'command', call: "emit({ name: 'invoice.paid', dealId: id })", asks: '`event.emit` on the deal', allowed: TEAM },
  {
    id: 'emit.noDeal',
    path: 'command',
    call: "emit({ name: 'call.incoming' })",
    asks: "`event.emit` on `{ type: 'event' }`",
    allowed: ['manager', 'otherManager', 'admin'],
  },
  { id: 'launch', path: 'command', call: "launch('call-client', id)", asks: '`deal.launch`', allowed: TEAM },
  { id: 'markException', path: 'command', call: "markException(id, { flag: 'complex', note })", asks: '`deal.markException`', allowed: TEAM },
  {
    id: 'markException.ownedFlag',
    path: 'command',
    call: "markException(id, { flag: 'extensionApproved', note })",
    asks: '`deal.markException`; `approval.decide` (an approval sets this flag)',
    allowed: MANAGERS,
  },
  { id: 'requestApproval', path: 'command', call: 'requestApproval(id, { subject, approvers, onApprove })', asks: '`approval.request`', allowed: TEAM },
  {
    id: 'decideApproval',
    path: 'command',
    call: "decideApproval(approvalId, { decision: 'approve' }) (approvers: the owner's manager, admins)",
    asks: 'an approver, never the requester; `approval.decide`',
    allowed: MANAGERS,
  },
  { id: 'extendSla', path: 'command', call: "extendSla(id, 'proposal-sla', { days: 2 })", asks: '`approval.decide`', allowed: MANAGERS },
  { id: 'createTask', path: 'command', call: "createTask(id, { title: 'Call back' })", asks: '`task.create`', allowed: TEAM },
  {
    id: 'completeTask',
    path: 'command',
    call: 'completeTask(taskId) (the task is assigned to another seller)',
    asks: 'nothing for people on the task; else `task.complete`',
    allowed: ['owner', 'seller', 'manager', 'admin'],
  },
  {
    id: 'reopenTask',
    path: 'command',
    call: 'reopenTask(taskId) (completed; assigned to another seller)',
    asks: 'nothing for people on the task; else `task.reopen`',
    allowed: ['owner', 'seller', 'manager', 'admin'],
  },
  { id: 'launchPlaybook', path: 'command', call: "launchPlaybook(id, 'onboarding')", asks: '`playbook.launch`', allowed: TEAM },
  { id: 'achieveGoal', path: 'command', call: "achieveGoal(id, 'proposal-sent')", asks: '`deal.move`', allowed: TEAM },
  {
    id: 'achieveGoal.backward',
    path: 'command',
    call: "achieveGoal(id, 'needs-rework') (leads back)",
    asks: '`deal.move`, `deal.moveBackward`',
    allowed: MANAGERS,
  },
  {
    id: 'retryDeadLetter',
    path: 'command',
    call: 'retryDeadLetter(messageId), discardDeadLetter(messageId)',
    asks: '`outbox.manage` on the deal',
    allowed: TEAM,
  },
  { id: 'setRules', path: 'command', call: 'setRules(rules)', asks: '`rules.change`', allowed: ['admin'] },
  // ---- queries ----
  { id: 'getDeal', path: 'query', call: 'getDeal(id), history(id), pendingJobs(id), explain(id)', asks: '`deal.read` (FORBIDDEN if not)', allowed: TEAM },
  { id: 'listDeals', path: 'query', call: 'listDeals(), dueJobs()', asks: '`deal.read` per deal (left out if not)', allowed: TEAM },
  { id: 'outbox', path: 'query', call: 'outbox({ dealId: id }), deadLetters()', asks: '`outbox.read` per message (left out if not)', allowed: TEAM },
  { id: 'records', path: 'query', call: "records('approval'), tasks()", asks: '`records.read` per record (left out if not)', allowed: TEAM },
  { id: 'getTask', path: 'query', call: 'getTask(taskId)', asks: '`records.read` on its deal (FORBIDDEN if not)', allowed: TEAM },
  {
    id: 'report',
    path: 'query',
    call: "report('funnel'), board('sales')",
    asks: '`report.read` / `board.read`, then `deal.read` per deal (left out if not)',
    allowed: TEAM,
  },
  // ---- indirect paths ----
  {
    id: 'rules',
    path: 'rules',
    call: 'a rule the call triggers sets `flags.extensionApproved`',
    asks: 'only the call (`updateDeal`); rules act as the system',
    allowed: TEAM,
  },
  {
    id: 'events',
    path: 'events',
    call: 'an event rule sets `flags.extensionApproved` on `emit`',
    asks: 'only `event.emit`; rules act as the system',
    allowed: TEAM,
  },
  {
    id: 'approvals.set',
    path: 'approvals',
    call: 'deciding an approval whose `onApprove` sets `flags.extensionApproved`',
    asks: '`approval.decide` covers what approvals own',
    allowed: MANAGERS,
  },
  {
    id: 'approvals.moveBackward',
    path: 'approvals',
    call: "deciding an approval whose `onApprove` moves to 'new' (back)",
    asks: '`approval.decide`, then `deal.move`, `deal.moveBackward` as the decider',
    allowed: MANAGERS,
  },
  {
    id: 'approvals.reassignOut',
    path: 'approvals',
    call: "deciding an approval whose `onApprove` sets `ownerId: 'carl'` (another team)",
    asks: '`approval.decide`, then `deal.update`, `deal.reassign` as the decider',
    allowed: ['admin'],
  },
  {
    id: 'goals',
    path: 'goals',
    call: 'a goal reached by itself after `updateDeal(id, { fields: { score: 90 } })` moves the deal back',
    asks: 'only the call; a configured goal acts as the system',
    allowed: TEAM,
  },
  {
    id: 'tasks',
    path: 'tasks',
    call: 'completing a task assigned to another seller, whose `task.completed` rule moves the deal on',
    asks: 'nothing for people on the task, else `task.complete`; the rule acts as the system',
    allowed: ['owner', 'seller', 'manager', 'admin'],
  },
  {
    id: 'runner',
    path: 'runner',
    call: 'runDue(), claimJobs(), runJobs(), runClaimedJob(), claimDeliveries(), deliverMessages(), deliverClaimed(), deliverOutbox(), nextDueAt()',
    asks: 'no actor: jobs and deliveries run as the system, whoever caused them',
    allowed: 'system',
  },
  {
    id: 'configuration',
    path: 'configuration',
    call: 'pipelines, rules, slas, playbooks, exceptions, ruleVersions(ruleId), explainCriteria()',
    asks: 'no actor: the host decides who sees its configuration',
    allowed: 'system',
  },
];

/** docs/access.md's table, rendered from ACCESS_TABLE. */
export function accessTableMarkdown(): string {
  const head = `| path | call | asks | ${ACCESS_COLUMNS.map((c) => c.title).join(' | ')} |`;
  const rule = `| --- | --- | --- | ${ACCESS_COLUMNS.map(() => ':-:').join(' | ')} |`;
  const rows = ACCESS_TABLE.map((c) => {
    const cells = ACCESS_COLUMNS.map((col) => (c.allowed === 'system' ? '—' : c.allowed.includes(col.key) ? '✓' : '✗'));
    const call = c.call.includes('`') ? c.call : `\`${c.call}\``;
    return `| ${c.path} | ${call.replace(/\|/g, '\\|')} | ${c.asks} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}
