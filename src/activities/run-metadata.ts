/**
 * run_metadata.json (spec 5.1): written `in_progress` when a run starts, updated as stages finish,
 * and closed as `completed`, `failed` (with the error and the stage) or `cancelled`.
 */
import { PIPELINE_VERSION, workflowIdFor, type CompareMode, type RunRef, type StageName } from '../workflows/contract.js';
import { RUN_FILES } from '../storage/json-storage.js';
import { RunFileUnreadableError, type RunFiles } from '../storage/run-store.js';
import { addReportWarning, htmlPathOf } from '../reports/outcome.js';
import { RunMetadataSchema, TogglAggregatedSchema, type LlmUsage, type RunMetadata, type RunStatus } from '../storage/schemas.js';
import { readRunConfig, resolveRunConfig, saveRunConfig } from '../config/run-config.js';
import { ValidationError } from '../errors.js';
import { runFiles, type ActivityDeps } from './context.js';
import { restorePreviousOutputs, setAsidePath } from './cleanup-activities.js';

export interface RunStartInput extends RunRef {
  start_date: string;
  end_date: string;
  users: string[] | null;
  start_from: StageName;
  compare: CompareMode;
  /** The run's overrides of config.yaml. */
  config: Record<string, unknown> | null;
  /** Resolve the configuration again rather than reuse the run's run_config.json. */
  reload_config: boolean;
  temporal_run_id: string;
  workflow_id: string;
  task_queue: string;
}

export async function readMetadata(files: RunFiles): Promise<RunMetadata> {
  return files.readJson(RUN_FILES.metadata, RunMetadataSchema);
}

/** Read, change and write back, never losing another worker's change made in between (RunFiles.update). */
export async function updateMetadata(files: RunFiles, change: (m: RunMetadata) => void, now: Date): Promise<RunMetadata> {
  return files.update(RUN_FILES.metadata, RunMetadataSchema, (metadata) => {
    change(metadata);
    metadata.updated_at = now.toISOString();
  });
}

/**
 * The run's settings: the saved run_config.json when the run has one (a restart or a resumed run
 * keeps what it ran with), else resolved from the config directory now and saved.
 */
async function settleRunConfig(input: RunStartInput, files: RunFiles, deps: ActivityDeps): Promise<void> {
  const saved = await files.exists(RUN_FILES.runConfig);
  if (!input.reload_config && saved) {
    await readRunConfig(files); // validated before anything else is touched
    return;
  }
  const config = await resolveRunConfig(deps.configDir, input.config, deps.now());
  if (saved && input.start_from === 'fibery') await setAside(files, RUN_FILES.runConfig);
  await saveRunConfig(files, config);
}

/** Keeps a copy of an earlier run's file in `.previous/`, to be put back if this restart does not complete. */
async function setAside(files: RunFiles, file: string): Promise<void> {
  const target = setAsidePath(file);
  if (await files.exists(target)) return; // a retry of this activity: the earliest copy is the one to keep
  await files.write(target, await files.read(file));
}

export function createMetadataActivities(deps: ActivityDeps) {
  return {
    /**
     * Opens the run. A Fibery-stage restart needs the Toggl stage's output of an earlier run, and
     * checks every file it will read before it changes anything; a failed or cancelled run may be
     * resumed, and its Toggl pages already fetched are kept.
     */
    async record_run_start(input: RunStartInput): Promise<void> {
      const now = deps.now().toISOString();
      const files = runFiles(deps, input);
      const temporal = { workflow_id: input.workflow_id, run_id: input.temporal_run_id, task_queue: input.task_queue };
      const existing = (await files.exists(RUN_FILES.metadata)) ? await readMetadata(files) : null;
      const sameExecution = existing?.temporal_metadata.run_id === input.temporal_run_id;
      if (existing && existing.status === 'in_progress' && !sameExecution) {
        throw new ValidationError(`run ${input.run_id} is still in progress (workflow ${existing.temporal_metadata.workflow_id}): wait for it or cancel it first`);
      }
      if (input.start_from === 'fibery') {
        if (!(await files.exists(RUN_FILES.aggregated))) {
          throw new ValidationError(
            `run ${input.run_id} has no ${RUN_FILES.aggregated} in ${files.location}: run the Toggl stage first (volt-agent run --start-date … --end-date …)`,
          );
        }
        await files.readJson(RUN_FILES.aggregated, TogglAggregatedSchema);
      } else if (existing && existing.status === 'completed' && !sameExecution) {
        throw new ValidationError(
          `run ${input.run_id} already exists in ${files.location}: choose another --run-id, or re-run its Fibery stage with --start-from fibery`,
        );
      }
      // A restart of the Fibery stage must leave the earlier run as it was if it does not complete.
      if (existing && !sameExecution && input.start_from === 'fibery') await setAside(files, RUN_FILES.metadata);
      await settleRunConfig(input, files, deps);

      if (existing) {
        await updateMetadata(files, (m) => {
          m.status = 'in_progress';
          m.finished_at = null;
          m.error = null;
          m.parameters.start_from = input.start_from;
          m.temporal_metadata = temporal;
          m.stages_completed = m.stages_completed.filter((s) => s !== 'fibery' && (input.start_from === 'fibery' || s !== 'toggl'));
          m.stages_failed = [];
          m.llm.calls = input.start_from === 'fibery' ? m.llm.calls.filter((c) => c.report === 'toggl_summary') : [];
        }, deps.now());
        return;
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
          compare: input.compare,
        },
        temporal_metadata: temporal,
        stages_completed: input.start_from === 'fibery' ? ['toggl'] : [],
        stages_failed: [],
        error: null,
        stats: {},
        warnings: [],
        llm: { used: false, calls: [] },
        deliveries: [],
      };
      await files.writeJson(RUN_FILES.metadata, metadata);
    },

    async record_stage_completed(input: RunRef & { stage: StageName }): Promise<void> {
      // The Toggl pages were kept so a failed fetch could resume; the stage's outputs now hold them.
      const files = runFiles(deps, input);
      if (input.stage === 'toggl') await files.remove(RUN_FILES.togglStaging);
      await updateMetadata(files, (m) => {
        if (!m.stages_completed.includes(input.stage)) m.stages_completed.push(input.stage);
      }, deps.now());
    },

    /**
     * Closes the run. A completed run drops what a restart set aside; a restart that failed or was
     * cancelled puts the earlier run's outputs and metadata back as they were.
     */
    async record_run_end(
      input: RunRef & {
        status: Exclude<RunStatus, 'in_progress'>;
        error?: { message: string; stage: StageName | null; activity: string | null };
        /** The execution that ends: a repeated call after a restart was undone must not touch the earlier run. */
        temporal_run_id: string;
      },
    ): Promise<void> {
      const files = runFiles(deps, input);
      // The workflow calls this only once the run is open: missing or unreadable metadata is an
      // error, retried, never a silent return that would leave the run in_progress for good.
      const metadata = await readMetadata(files).catch((error: Error) => {
        throw new RunFileUnreadableError(`cannot close run ${input.run_id}: ${error.message}`);
      });
      // Run again (a local activity repeats when its workflow task does) after the earlier run was put back.
      if (metadata.temporal_metadata.run_id !== input.temporal_run_id) return;
      if (input.status === 'completed') {
        await files.remove(RUN_FILES.previousOutputs);
        await files.remove(RUN_FILES.staging);
      } else {
        // Only finished files stay: the Fibery stage's intermediate results go (Toggl pages stay, to resume).
        await files.remove(RUN_FILES.fiberyStaging);
        await files.remove(RUN_FILES.personStaging);
        if (await restorePreviousOutputs(files)) return;
      }
      await updateMetadata(files, (m) => {
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

/**
 * A finished report on disk (its markdown and, next to it, its HTML page), with the LLM usage and
 * the fallback warning it brought recorded in the run's metadata.
 */
export async function saveReport(
  files: RunFiles,
  key: string,
  report: { markdown: string; html: string; usage: LlmUsage | null; warning: string | null },
  now: Date,
): Promise<{ file: string; llm: boolean }> {
  await files.write(key, report.markdown);
  await files.write(htmlPathOf(key), report.html);
  if (report.usage || report.warning) {
    await updateMetadata(files, (m) => {
      if (report.usage) recordLlmUsage(m, [report.usage]);
      addReportWarning(m, report.warning);
    }, now);
  }
  return { file: files.where(key), llm: report.usage !== null };
}
