export * from './model/index.js';
export { defineAction, ActionRegistry } from './core/actions.js';
export type { ActionDefinition, AnyActionDefinition, ActionContext, ExecuteContext, NotificationSpec, Recipient } from './core/actions.js';
export { DEAL_ACTIONS } from './core/builtin-actions.js';
export { BUILTIN_ACTIONS, FEATURES } from './core/feature-list.js';
export { compileCondition, criteriaError, type Predicate, type FactSource, type ConditionTrace } from './core/criteria.js';
export { asyncFact, type HostFact, type HostFacts, type FactInput } from './core/facts.js';
/** json-rules-engine's classes for custom operators (`createEngine({ operators })`); rules using them are evaluated by json-rules-engine. */
export { Operator, OperatorDecorator } from 'json-rules-engine';
export { transition, type CoreEnv, type CoreInput, type Outcome, type DealDraft } from './core/transition.js';
/** What `transition` reads to make its effects final (recipients, digest holds, task people), and the error naming what it lacks. */
export { EffectDataNeeded, type DirectoryView, type EffectNeeds } from './core/effects/directory-view.js';
/** What a `CoreEnv` is built from, so `transition` can be called on its own (docs/design.md, the core). */
export { PipelineIndex, type PipelineInfo } from './core/pipelines.js';
export { RuleBook, type CompiledAction, type CompiledRule } from './core/rulebook.js';
export {
  BusinessCalendar,
  CalendarBook,
  compileCalendar,
  addBusinessDays,
  addBusinessHours,
  addBusinessMinutes,
  addDurationIn,
  applyDuePolicy,
  businessMinutesBetween,
  isWorkingTime,
  nextWorkingDateAt,
  nextWorkingTime,
  previousWorkingTime,
  type CompileCalendarOptions,
  type ResolvedCalendar,
  type UserTimes,
} from './core/time/index.js';
export { computeDueAt, type DueTime, type Timing } from './core/schedule.js';
export type { Job, Enrolment, OutboxMessage, OutboxStatus, StoredRecord, Effect, DealSnapshot, Occurrence } from './core/types.js';
// The history: `AnyHistoryEntry` as stored and read back, the typed `HistoryEntry` union it narrows to.
export {
  HISTORY_TYPES,
  isHistoryEntry,
  type AnyHistoryEntry,
  type AnyHistoryType,
  type HistoryEntry,
  type HistoryEntryOf,
  type HistoryType,
  type HistoryData,
  type HistoryDataMap,
  type LogEntry,
  type LogType,
} from './core/types.js';
export { Engine, createEngine, type EngineConfig, type CommandOptions, type RunDueResult, type CriteriaExplanation } from './engine/engine.js';
export type { TaskQuery } from './engine/workflow.js';
export { GOAL_FEATURE, type GoalInput } from './core/goals.js';
export { TASK_FEATURE } from './core/tasks/lifecycle.js';
export type { TaskInput } from './core/tasks/feature.js';
export { EXTERNAL_DEAL_RECORD, type CreateDealParams } from './core/system-deals.js';
export type { EngineEvents, EngineEventName, HistoryEntryEvents } from './engine/events.js';
export { parseRules, type ParseRulesOptions } from './engine/parse-rules.js';
export { rulesJsonSchema, pipelinesJsonSchema, configJsonSchema, JSON_SCHEMA_DIALECT, type RulesJsonSchemaOptions } from './schema/index.js';
export { standardActions } from './core/standard-actions.js';
export { DEFAULT_RETRY, backoffMs, type RetryPolicy } from './engine/delivery.js';
export { parseDigestSpec, type DigestPolicy, type DigestPolicyConfig, type DigestSchedule } from './core/digest-policy.js';
export type { DigestItem, DigestPayload, DigestGroup } from './engine/digests.js';
export { systemClock, type Clock } from './ports/clock.js';
export { consoleLogger, quietLogger, type Logger } from './ports/logger.js';
export { noTelemetry } from './ports/telemetry.js';
export type {
  Telemetry,
  TelemetryHost,
  TelemetryScope,
  JobRunScope,
  CommandInfo,
  CommandResult,
  JobRunResult,
  DeliveryInfo,
  DeliveryResult,
} from './ports/telemetry.js';
export { InMemoryDirectory, type Directory, type User } from './ports/directory.js';
export { UuidIds, UuidV7Ids, SequentialIds, type IdGenerator } from './ports/ids.js';
export { InMemoryNotifier, PermanentDeliveryError, isPermanentError } from './ports/notifier.js';
export type { Notifier, OutgoingMessage, SendOptions, SentMessage } from './ports/notifier.js';
export { ConsoleNotifier, type ConsoleNotifierOptions } from './ports/console-notifier.js';
export type { Storage, StorageTx, DealQuery, LogQuery, OutboxQuery, LeaseRequest, PutOptions } from './ports/storage.js';
export { DONE } from './ports/storage.js';
export {
  DefaultAccessPolicy,
  defaultAccessPolicy,
  ROLES,
  type AccessPolicy,
  type AccessAction,
  type AccessResource,
  type Actor,
  type DealRef,
} from './ports/access.js';
export { AccessGuard, isBackwardMove, type AccessOptions } from './engine/access.js';
export {
  funnel,
  slaCompliance,
  exceptions,
  flagShare,
  timeInStage,
  stale,
  velocity,
  toTextTable,
  toCsv,
  formatDuration,
  REPORTS,
  REPORT_INPUTS,
  DEFAULT_FLAG_THRESHOLD,
  type Report,
  type ReportData,
  type ReportOptions,
  type ReportFilter,
  type Period as ReportPeriod,
  type GroupBy as ReportGroupBy,
  type Column as ReportColumn,
  type ColumnFormat as ReportColumnFormat,
  type Cell as ReportCell,
  type ReportKinds,
  type ReportName,
  type FunnelReport,
  type FunnelRow,
  type FunnelSummary,
  type SlaComplianceRow,
  type SlaComplianceOptions,
  type ExceptionRow,
  type FlagShareRow,
  type FlagShareOptions,
  type TimeInStageRow,
  type StaleRow,
  type StaleOptions,
  type VelocityRow,
  type CsvOptions,
} from './reports/index.js';
export { loadReportData } from './engine/reports.js';
export type { Board, BoardCard, BoardColumn, BoardOptions, BoardTask, SlaState } from './engine/board.js';
export { InMemoryStorage, type InMemoryStorageOptions } from './memory/storage.js';
// Before a rule goes live: explain, rule versions, static checks (docs/simulation.md, docs/cli.md)
export type { DealExplanation, RuleExplanation, RuleVerdict, TriggerMatch, JobStory } from './engine/explain.js';
export type { RuleChange } from './engine/rule-versions.js';
export { checkRules, type RuleCheck, type RuleFinding, type FindingCode, type CheckRulesOptions } from './analysis/check-rules.js';
export { Runner, createRunner, type RunnerOptions, type RunnerStats, type RunnerErrorContext } from './runner/index.js';
// SLAs, exceptions and approvals, templates (docs/slas.md, docs/approvals.md, docs/templates.md)
export { defineSla, SlaSchema, SlaReminderSchema, SlaEscalationSchema, SlaStopSchema, SlaActionSchema } from './model/sla.js';
export type { Sla, SlaInput, SlaInstance, SlaStatus, SlaExtension, SlaReminder, SlaEscalation, SlaAction } from './model/sla.js';
export { ApprovalRequestSchema, ApprovalOutcomeSchema, ApproverSchema, DecisionSchema } from './model/approval.js';
export type {
  ApprovalRequest,
  ApprovalRequestInput,
  ApprovalOutcome,
  Approver,
  Decision,
  ApprovalData,
  ApprovalStatus,
  AppliedOutcome,
  ExceptionData,
  ExceptionStatus,
} from './model/approval.js';
export type { DecideApprovalInput, MarkExceptionInput, ExceptionConfig } from './engine/approvals.js';
export {
  renderTemplate,
  templateView,
  templateProblem,
  TemplateString,
  TEMPLATE_DATE_FORMAT,
  type RenderResult,
  type TemplateScope,
} from './core/templates.js';
export type { CoreFeature, FeatureContext, FeatureJobSpec, FeatureRegistration, FeatureSetup } from './core/features.js';
