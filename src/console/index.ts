// dealflow/console: the pipeline in a browser (docs/console.md). A separate entry point: nothing
// of it loads unless the host imports it.
export { createConsole, switchedUserId, DEFAULT_SWITCH_COOKIE, type ConsoleOptions, type ConsoleHandler } from './console.js';
export { nodeListener } from './node.js';
export { CSRF_HEADER, type ConsoleErrorCode } from './http.js';
export type {
  PersonView,
  PipelineView,
  SessionView,
  ClockView,
  CardView,
  ColumnView,
  BoardView,
  TimelineTone,
  TimelineItem,
  JobView,
  ApprovalView,
  TaskView,
  DeadlineView,
  ExceptionView,
  DealView,
  ExplainView,
  MessageView,
  OperationsView,
  ReportView,
  ChartView,
  ChartSeries,
  NumberFormat,
  ErrorView,
  RuleTarget,
  RulesView,
  RuleVersionsView,
  RuleChangePreview,
  RuleCheckView,
  ActivationView,
  DryRunHistory,
  RuleComparison,
  DryRunView,
} from './views.js';
