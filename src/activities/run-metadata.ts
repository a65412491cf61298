/**
 * run_metadata.json (spec 5.1): written `in_progress` when a run starts, updated as stages finish,
 * and closed as `completed`, `failed` (with the error and the stage) or `cancelled`.
 */
import { existsSync } from 'node:fs';
import { PIPELINE_VERSION, workflowIdFor, type RunRef, type StageName } from '../workflows/contract.js';
import { readJsonFile, removeIfExists, RUN_FILES, writeJsonAtomic } from '../storage/json-storage.js';
import { RunMetadataSchema, type LlmUsage, type RunMetadata, type RunStatus } from '../storage/schemas.js';
import { ValidationError } from '../errors.js';
import { runPath, type ActivityDeps } from './context.js';

export interface RunStartInput extends RunRef {
  start_date: string;
  end_date: string;
  users: string[] | null;
  start_from: StageName;
  temporal_run_id: string;
  workflow_id: string;
  task_queue: string;
}

export async function readMetadata(ref: RunRef): Promise<RunMetadata> {
  return readJsonFile(runPath(ref, RUN_FILES.metadata), RunMetadataSchema);
}

/** Read, change and write back atomically. Activities that call this never run concurrently. */
export async function updateMetadata(ref: RunRef, change: (m: RunMetadata) => void, now: Date): Promise<RunMetadata> {
  const metadata = await readMetadata(ref);
  change(metadata);
  metadata.updated_at = now.toISOString();
  await writeJsonAtomic(runPath(ref, RUN_FILES.metadata), metadata);
  return metadata;
}

export function createMetadataActivities(deps: ActivityDeps) {
  return {
    /** Opens the run. A Fibery-stage restart needs the Toggl stage's output of an earlier run. */
    async record_run_start(input: RunStartInput): Promise<void> {
      const now = deps.now().toISOString();
      const file = runPath(input, RUN_FILES.metadata);
      const temporal = { workflow_id: input.workflow_id, run_id: input.temporal_run_id, task_queue: input.task_queue };
      if (input.start_from === 'fibery') {
        if (!existsSync(runPath(input, RUN_FILES.aggregated))) {
          throw new ValidationError(
            `run ${input.run_id} has no ${RUN_FILES.aggregated} in ${input.output_dir}: run the Toggl stage first (volt-agent run --start-date … --end-date …)`,
          );
        }
        if (existsSync(file)) {
          const existing = await readMetadata(input);
          if (existing.status === 'in_progress' && existing.temporal_metadata.run_id !== input.temporal_run_id) {
            throw new ValidationError(`run ${input.run_id} is still in progress (workflow ${existing.temporal_metadata.workflow_id}): wait for it or cancel it first`);
          }
          await updateMetadata(input, (m) => {
            m.status = 'in_progress';
            m.finished_at = null;
            m.error = null;
            m.parameters.start_from = 'fibery';
            m.temporal_metadata = temporal;
            m.stages_completed = m.stages_completed.filter((s) => s !== 'fibery');
            m.stages_failed = [];
            m.llm.calls = m.llm.calls.filter((c) => c.report === 'toggl_summary');
          }, deps.now());
          return;
        }
      }
      if (existsSync(file)) {
        const existing = await readMetadata(input);
        // The same workflow execution may run this local activity twice; anything else is another run.
        if (existing.temporal_metadata.run_id !== input.temporal_run_id) {
          throw new ValidationError(
            `run ${input.run_id} already exists in ${input.output_dir}: choose another --run-id, or re-run its Fibery stage with --start-from fibery`,
          );
        }
      }
      const metadata: RunMetadata = {
        run_id: input.run_id,
        workflow_id: workflowIdFor(input.run_id),
        created_at: now,
        updated_at: now,
        finished_at: null,
        status: 'in_progress',
        pipeline_version: PIPELINE_VERSION,
        parameters: {
          start_date: input.start_date,
          end_date: input.end_date,
          users_filter: input.users,
          start_from: input.start_from,
        },
        temporal_metadata: temporal,
        stages_completed: input.start_from === 'fibery' ? ['toggl'] : [],
        stages_failed: [],
        error: null,
        stats: {},
        warnings: [],
        llm: { used: false, calls: [] },
      };
      await writeJsonAtomic(file, metadata);
    },

    async record_stage_completed(input: RunRef & { stage: StageName }): Promise<void> {
      await updateMetadata(input, (m) => {
        if (!m.stages_completed.includes(input.stage)) m.stages_completed.push(input.stage);
      }, deps.now());
    },

    async record_run_end(
      input: RunRef & { status: Exclude<RunStatus, 'in_progress'>; error?: { message: string; stage: StageName | null; activity: string | null } },
    ): Promise<void> {
      if (!existsSync(runPath(input, RUN_FILES.metadata))) return; // the run never opened (bad input)
      // A cancelled run keeps only finished files: the Fibery stage's intermediate results go.
      if (input.status === 'cancelled') await removeIfExists(runPath(input, RUN_FILES.staging));
      await updateMetadata(input, (m) => {
        m.status = input.status;
        m.finished_at = deps.now().toISOString();
        m.error = input.error ?? null;
        if (input.status === 'failed' && input.error?.stage && !m.stages_failed.includes(input.error.stage)) {
          m.stages_failed.push(input.error.stage);
        }
      }, deps.now());
    },
  };
}

export function recordLlmUsage(m: RunMetadata, usage: LlmUsage[]): void {
  m.llm.calls.push(...usage);
  m.llm.used = m.llm.calls.length > 0;
}
