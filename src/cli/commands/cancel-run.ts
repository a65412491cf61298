/** `volt-agent cancel-run`: cancel a run in progress and wait until its workflow has recorded it. */
import path from 'node:path';
import { ValidationError } from '../../errors.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { outputDirOption, requiredRunIdOption, seconds } from '../shared-options.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const cancelRun = defineCommand({
  name: 'cancel-run',
  description: 'Cancel a run in progress: its workflow stops, and run_metadata.json records "cancelled".',
  options: (command) =>
    command
      .addOption(requiredRunIdOption('the run to cancel'))
      .addOption(outputDirOption())
      .option('--wait <seconds>', 'how long to wait for the workflow to finish cancelling', seconds('--wait'), 30),
  examples: [{ command: 'volt-agent cancel-run --run-id run_2025-10-10-15-30-45' }],
  notes: 'A run that has already finished, or an unknown run id, is refused with exit code 2.',
  async handler(opts, ctx) {
    const [{ readableRun, readRun, formatTimestamp, cliStore }, { RUN_FILES }] = await Promise.all([import('../runs.js'), import('../../storage/json-storage.js')]);
    const outputDir = path.resolve(opts.outputDir);
    const env = await ctx.env();
    const store = cliStore(env, outputDir);
    const run = await readableRun(store, opts.runId);
    if (run.metadata.status !== 'in_progress') {
      throw new ValidationError(`run "${opts.runId}" is ${run.metadata.status}${run.metadata.finished_at ? ` since ${formatTimestamp(run.metadata.finished_at)}` : ''}: there is nothing to cancel`);
    }
    const [{ connectTemporal }, { outputDirFlag }, { handleFor, workflowStatus }] = await Promise.all([
      import('../connect.js'),
      import('../follow.js'),
      import('../workflow-state.js'),
    ]);
    const target = await connectTemporal(env, { log: ctx.out.info, checkSettings: false });
    try {
      const handle = handleFor(target, run.metadata);
      const status = await workflowStatus(handle);
      if (status === null) {
        throw new ValidationError(`Temporal at ${target.address} does not know workflow ${run.metadata.workflow_id} of run "${opts.runId}" (another TEMPORAL_ADDRESS or VOLT_STATE_DIR?)`);
      }
      if (status !== 'RUNNING') throw new ValidationError(`the workflow of run "${opts.runId}" is already ${status.toLowerCase()}: there is nothing to cancel`);
      await handle.cancel();
      ctx.out.info(`Cancellation of run ${opts.runId} requested; waiting for the workflow to record it…`);

      const deadline = Date.now() + opts.wait * 1000;
      let metadataStatus: string = run.metadata.status;
      let closed: string | null = 'RUNNING';
      for (;;) {
        const now = await readRun(store, run.run_id);
        metadataStatus = now.readable ? now.metadata.status : 'unreadable';
        closed = await workflowStatus(handle);
        if ((closed !== 'RUNNING' && metadataStatus !== 'in_progress') || Date.now() >= deadline) break;
        await sleep(250);
      }
      if (closed === 'CANCELLED' && metadataStatus === 'cancelled') {
        ctx.out.result(`✓ Run ${opts.runId} cancelled: the workflow is cancelled and ${store.run(run.run_id).where(RUN_FILES.metadata)} says so`);
        return EXIT.OK;
      }
      if (closed !== 'RUNNING') {
        // Why it ended otherwise than cancelled: the workflow's own failure message.
        const why = closed === 'FAILED' ? await handle.result().then(() => '', (error: { cause?: Error; message?: string }) => ` (${error.cause?.message ?? error.message ?? 'no message'})`) : '';
        ctx.out.result(`Run ${opts.runId}: the workflow ended as ${closed?.toLowerCase() ?? 'unknown'}${why}; ${RUN_FILES.metadata} says ${metadataStatus}`);
        return closed === 'CANCELLED' ? EXIT.OK : EXIT.RUN_FAILED;
      }
      ctx.out.result(
        `Cancellation of run ${opts.runId} was requested, but the workflow has not finished cancelling within ${opts.wait} s` +
          (target.mode === 'external' ? ' (is a worker running? volt-agent worker)' : '') +
          `: check again with volt-agent show-run --run-id ${opts.runId}${outputDirFlag(outputDir)}`,
      );
      return EXIT.ENVIRONMENT;
    } finally {
      await target.close();
    }
  },
});
