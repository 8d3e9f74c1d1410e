import type { Pipeline, Stage } from '../model/pipeline.js';
import { isClosedStage } from '../model/pipeline.js';

export interface PipelineInfo {
  pipeline: Pipeline;
  stages: Map<string, Stage>;
  position: Map<string, number>;
}

/** Pipelines by id, with their stages indexed once. */
export class PipelineIndex {
  private readonly byId = new Map<string, PipelineInfo>();

  constructor(pipelines: ReadonlyArray<Pipeline>) {
    for (const pipeline of pipelines) {
      this.byId.set(pipeline.id, {
        pipeline,
        stages: new Map(pipeline.stages.map((s) => [s.id, s])),
        position: new Map(pipeline.stages.map((s, i) => [s.id, i])),
      });
    }
  }

  /** The pipeline with this id, with its stages indexed; undefined for an unknown id. */
  get(id: string): PipelineInfo | undefined {
    return this.byId.get(id);
  }

  /** Every pipeline, in the order given. */
  all(): Pipeline[] {
    return [...this.byId.values()].map((i) => i.pipeline);
  }

  /** Whether the stage closes the deal (won or lost); false for an unknown pipeline or stage. */
  isClosed(pipelineId: string, stageId: string): boolean {
    const s = this.byId.get(pipelineId)?.stages.get(stageId);
    return s ? isClosedStage(s) : false;
  }
}
