/** What Temporal says about the workflow of a run recorded in its run_metadata.json. */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { RunMetadata } from '../storage/schemas.js';
import type { TogglFiberyPipeline } from '../workflows/pipeline.js';
import type { TemporalTarget } from './connect.js';

export function handleFor(target: TemporalTarget, metadata: RunMetadata): WorkflowHandle<typeof TogglFiberyPipeline> {
  return target.client.workflow.getHandle(metadata.workflow_id, metadata.temporal_metadata.run_id || undefined);
}

export interface WorkflowDescription {
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, … */
  status: string;
  startTime: Date;
  taskQueue: string;
}

/** null: the server does not know the workflow (another server or state directory, or deleted). */
export async function describeWorkflow(handle: WorkflowHandle): Promise<WorkflowDescription | null> {
  try {
    const description = await handle.describe();
    return { status: description.status.name, startTime: description.startTime, taskQueue: description.taskQueue };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

export async function workflowStatus(handle: WorkflowHandle): Promise<string | null> {
  return (await describeWorkflow(handle))?.status ?? null;
}
