/**
 * What the workflow, its activities and its clients agree on. Imported by workflow code, so it
 * holds only plain data and types.
 */
export const TASK_QUEUE = 'volt-agent-pipeline';
export const WORKFLOW_TYPE = 'TogglFiberyPipeline';
export const PIPELINE_VERSION = '2.0';

export type StageName = 'toggl' | 'fibery';

export function workflowIdFor(runId: string): string {
  return `toggl-fibery-${runId}`;
}

/** `run_YYYY-MM-DD-HH-MM-SS` in UTC. */
export function runIdFor(date: Date): string {
  const iso = date.toISOString(); // 2025-10-10T15:30:45.123Z
  return `run_${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
}

/** Spec 2.1, plus where the run files live (resolved by the client; read by the worker). */
export interface PipelineInput {
  start_date: string;
  end_date: string;
  users?: string[] | null;
  start_from?: StageName;
  run_id?: string | null;
  config?: Record<string, unknown> | null;
  output_dir: string;
}

export interface RunRef {
  output_dir: string;
  run_id: string;
}

export interface PipelineResult {
  run_id: string;
  run_dir: string;
  status: 'completed';
  stages_completed: StageName[];
  stats: Record<string, number>;
}

export interface TypeProgress {
  key: string;
  activity: string;
  done: number;
  total: number;
}

export interface Progress {
  run_id: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  current_stage: StageName | null;
  current_activity: string | null;
  activity_index: number;
  activity_count: number;
  percentage: number;
  eta_seconds: number | null;
  details: {
    types: TypeProgress[];
    current_type: string | null;
    persons: { done: number; total: number };
    elapsed_seconds: number;
    rate_per_second: number | null;
    error: string | null;
  };
}
