import { exceptions, type ExceptionRow } from './exceptions.js';
import { flagShare, type FlagShareOptions, type FlagShareRow } from './flag-share.js';
import { funnel, type FunnelReport } from './funnel.js';
import { slaCompliance, type SlaComplianceOptions, type SlaComplianceRow } from './sla-compliance.js';
import { stale, type StaleOptions, type StaleRow } from './stale.js';
import { timeInStage, type TimeInStageRow } from './time-in-stage.js';
import type { Report, ReportData, ReportOptions } from './types.js';
import { velocity, type VelocityRow } from './velocity.js';

export * from './types.js';
export { exceptions, type ExceptionRow } from './exceptions.js';
export { flagShare, DEFAULT_FLAG_THRESHOLD, type FlagShareOptions, type FlagShareRow } from './flag-share.js';
export { funnel, type FunnelReport, type FunnelRow, type FunnelSummary } from './funnel.js';
export { slaCompliance, type SlaComplianceOptions, type SlaComplianceRow } from './sla-compliance.js';
export { stale, type StaleOptions, type StaleRow } from './stale.js';
export { timeInStage, type TimeInStageRow } from './time-in-stage.js';
export { velocity, type VelocityRow } from './velocity.js';
export { toTextTable, toCsv, formatCell, formatDuration, type CsvOptions } from './render.js';
export { median, percentile, mean } from './stats.js';
export { stageVisits, type StageVisit } from './history.js';
export {
  readSlaRecord,
  readExceptionRecord,
  readApprovalRecord,
  ruleDeadlines,
  isOpenTask,
  type SlaInstance,
  type SlaStatus,
  type ExceptionView,
  type ApprovalView,
} from './records.js';

/** Each report's options and result, by name: what `engine.report(name, options)` takes and gives. */
export interface ReportKinds {
  slaCompliance: { options: SlaComplianceOptions; result: Report<SlaComplianceRow> };
  exceptions: { options: ReportOptions; result: Report<ExceptionRow> };
  flagShare: { options: FlagShareOptions; result: Report<FlagShareRow> };
  funnel: { options: ReportOptions; result: FunnelReport };
  timeInStage: { options: ReportOptions; result: Report<TimeInStageRow> };
  stale: { options: StaleOptions; result: Report<StaleRow> };
  velocity: { options: ReportOptions; result: Report<VelocityRow> };
}

/** The name of a built-in report, as `engine.report(name, options)` takes it. */
export type ReportName = keyof ReportKinds;

/** The built-in reports by name: pure functions from ReportData and options to a Report. */
export const REPORTS: { [N in ReportName]: (data: ReportData, options: ReportKinds[N]['options']) => ReportKinds[N]['result'] } = {
  slaCompliance,
  exceptions,
  flagShare,
  funnel,
  timeInStage,
  stale,
  velocity,
};

/**
 * What each report reads besides deals: log entry types and record kinds (so the engine loads no
 * more). A store that keeps only some history (`new InMemoryStorage({ keepLog })`) keeps these
 * types for the reports it will be asked for.
 */
export const REPORT_INPUTS: { [N in ReportName]: { log: string[]; records: string[] } } = {
  slaCompliance: { log: ['job.scheduled', 'job.ran', 'job.cancelled'], records: ['sla'] },
  exceptions: { log: [], records: ['exception', 'approval'] },
  flagShare: { log: [], records: [] },
  funnel: { log: ['deal.created', 'stage.changed'], records: [] },
  timeInStage: { log: ['deal.created', 'stage.changed'], records: [] },
  stale: { log: [], records: [] },
  velocity: { log: [], records: [] },
};
