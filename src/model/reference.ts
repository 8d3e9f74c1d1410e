/**
 * A name an action's params refer to — a stage, a pipeline, a playbook — checked when rules are
 * parsed, so a rule that would fail at every run is refused instead. Action definitions say which
 * names their params hold (`ActionDefinition.references`).
 */
export interface ActionReference {
  kind: 'stage' | 'pipeline' | 'playbook';
  name: string;
  /** Where the name is, inside the action's params: `['onApprove', 'moveStage']`. */
  path: PropertyKey[];
  /** For a stage: the pipeline it must be in (default: the rule's pipelines). */
  pipeline?: string;
  /** The names there are, when the action knows them itself (playbooks). */
  known?: ReadonlyArray<string>;
}
