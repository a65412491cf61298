/** `volt-agent deliver`: a completed run's digest sent (again) through the delivery channels, by a worker. */
import path from 'node:path';
import type { DeliverReports } from '../../workflows/deliver.js';
import { channelHelp, channelList } from '../../delivery/channels/index.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption, outputDirOption, requiredRunIdOption } from '../shared-options.js';

/** How long the channels may take together: each retries on its own within its activity's timeout. */
const DELIVERY_TIMEOUT = '1 hour';

export const deliver = defineCommand({
  name: 'deliver',
  description: `Send a completed run's digest to ${channelList('and/or')} (again), and print how each channel went.`,
  options: (command) =>
    command
      .addOption(requiredRunIdOption('the completed run whose digest to send (see volt-agent list-runs)'))
      .requiredOption('--to <channels>', `comma-separated: ${channelList()}`)
      .addOption(outputDirOption())
      .addOption(jsonOption('print the delivery records as a JSON array')),
  examples: [
    { command: 'volt-agent deliver --run-id run_2025-10-13-08-00-00_weekly-digest --to slack', note: 'send again after a failed delivery' },
    { command: 'volt-agent deliver --run-id run_2025-10-10-15-30-45 --to slack,email,fibery --json' },
  ],
  notes: `The channels run in a worker, where their settings are:
${channelHelp()}
Each record is also appended to the run's run_metadata.json (deliveries). Exit code 0 when every channel sent, 1 when
one did not, 2 for an unknown or unfinished run or channel.`,
  async handler(opts, ctx) {
    const [{ checkChannels }, { readableRun, cliStore }, { ValidationError }, { preflightDelivery }] = await Promise.all([
      import('../../schedules/request.js'),
      import('../runs.js'),
      import('../../errors.js'),
      import('../preflight.js'),
    ]);
    const channels = checkChannels('--to', opts.to);
    const outputDir = path.resolve(opts.outputDir);
    const env = await ctx.env();
    const run = await readableRun(cliStore(env, outputDir), opts.runId);
    if (run.metadata.status !== 'completed') {
      throw new ValidationError(`run "${opts.runId}" is ${run.metadata.status}: only a completed run's reports can be delivered`);
    }
    const taskQueue = run.metadata.temporal_metadata.task_queue;
    const { SANDBOX_QUEUE_PREFIX } = await import('../service/sandbox-pool.js');
    await preflightDelivery(channels, env, { sandbox: taskQueue.startsWith(SANDBOX_QUEUE_PREFIX) });

    const [{ connectTemporal, requirePoller }, { DELIVER_WORKFLOW_TYPE }] = await Promise.all([import('../connect.js'), import('../../workflows/contract.js')]);
    const target = await connectTemporal(env, { log: ctx.out.info, checkSettings: true });
    try {
      if (target.service) {
        // A sandbox run's queue is served by its simulators' worker, which a restarted service brings back on request.
        const { restoreSandboxQueue } = await import('../service/client.js');
        await restoreSandboxQueue(target.service, taskQueue);
      }
      await requirePoller(target, taskQueue);
      ctx.out.info(`Delivering run ${opts.runId} to ${channels.join(', ')} (task queue ${taskQueue})…`);
      const records = await target.client.workflow.execute<typeof DeliverReports>(DELIVER_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `deliver-${opts.runId}-${Date.now()}`,
        args: [{ output_dir: outputDir, run_id: opts.runId, channels }],
        workflowExecutionTimeout: DELIVERY_TIMEOUT,
      });
      if (opts.json) ctx.out.result(JSON.stringify(records, null, 2));
      else for (const r of records) ctx.out.result(`${r.status === 'sent' ? '✓' : '✗'} ${r.channel}: ${r.status}${r.error ? ` (${r.error})` : ''}${r.detail ? `  ${Object.entries(r.detail).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`);
      return records.every((r) => r.status === 'sent') ? EXIT.OK : EXIT.RUN_FAILED;
    } finally {
      await target.close();
    }
  },
});
