/**
 * dealflow/simulation: try a rule set on history before it goes live — replay, compare, generate.
 * See docs/simulation.md.
 */
export {
  simulate,
  placeholderDirectory,
  type SimulateOptions,
  type SimulationResult,
  type SimulationProgress,
  type SimulationError,
  type SimulationReports,
  type SimulationEngineConfig,
} from './simulate.js';
export {
  diff,
  diffResults,
  type RuleSetDiff,
  type DealDiff,
  type NotificationOutcome,
  type StageMoveOutcome,
  type ViolationOutcome,
  type Retimed,
  type SlaOutcome,
  type Changes,
  type CountChange,
} from './diff.js';
export {
  HistoryEventSchema,
  historyEventJsonSchema,
  parseHistory,
  toJsonLines,
  type HistoryEvent,
  type HistoryEventInput,
  type ParsedHistory,
  type ParseHistoryOptions,
  type SkippedLine,
} from './history.js';
export { generateHistory, GENERATED_PIPELINE, mulberry32, seedOf, type GenerateOptions } from './generate.js';
export { summarize, type SimulationSummary, type RuleActivity } from './summary.js';
export { timelineOf, type TimelineEntry } from './timeline.js';
export { checkRules, type RuleCheck, type RuleFinding, type FindingCode, type CheckRulesOptions } from '../analysis/check-rules.js';
