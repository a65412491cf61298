/**
 * One builder for the `run_metadata.json` a test writes by hand: a finished run as the pipeline
 * leaves it, checked by the same schema the CLI and the activities read it with, so a fixture
 * can never drift from what the code accepts. Tests override only what they are about.
 */
import { RunMetadataSchema, type RunMetadata } from '../../src/storage/schemas.js';
import { PIPELINE_VERSION, workflowIdFor } from '../../src/workflows/contract.js';

export interface RunMetadataFixture extends Partial<Omit<RunMetadata, 'parameters'>> {
  parameters?: Partial<RunMetadata['parameters']>;
}

/** How long a fixture run took: finished_at is this long after created_at. */
const RUN_SECONDS = 95;

export function runMetadata(runId: string, fixture: RunMetadataFixture = {}): RunMetadata {
  const { parameters, ...rest } = fixture;
  const status = rest.status ?? 'completed';
  const createdAt = rest.created_at ?? '2026-11-16T09:00:00.000Z';
  const finished = status === 'in_progress' ? null : new Date(Date.parse(createdAt) + RUN_SECONDS * 1000).toISOString();
  const workflowId = workflowIdFor(runId);
  return RunMetadataSchema.parse({
    run_id: runId,
    workflow_id: workflowId,
    created_at: createdAt,
    updated_at: finished ?? createdAt,
    finished_at: finished,
    status,
    pipeline_version: PIPELINE_VERSION,
    parameters: { start_date: '2026-11-09', end_date: '2026-11-15', users_filter: null, start_from: 'toggl', compare: 'none', ...parameters },
    temporal_metadata: { workflow_id: workflowId, run_id: 'temporal-run-uuid', task_queue: 'volt-agent-pipeline' },
    stages_completed: status === 'completed' ? ['toggl', 'fibery'] : ['toggl'],
    stages_failed: status === 'failed' ? ['fibery'] : [],
    ...rest,
  });
}
