/** `volt-agent temporal-ui`: the URL of a run's workflow in the Temporal UI, opened where a browser is. */
import path from 'node:path';
import { ValidationError } from '../../errors.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { outputDirOption, requiredRunIdOption } from '../shared-options.js';

export const temporalUi = defineCommand({
  name: 'temporal-ui',
  description: "Open (or print) the URL of a run's workflow in the Temporal UI.",
  options: (command) =>
    command
      .addOption(requiredRunIdOption('the run'))
      .addOption(outputDirOption())
      .option('--no-open', 'only print the URL'),
  examples: [
    { command: 'volt-agent temporal-ui --run-id run_2025-10-10-15-30-45' },
    { command: 'TEMPORAL_ADDRESS=localhost:7233 TEMPORAL_UI_URL=http://localhost:8080 volt-agent temporal-ui --run-id run_2025-10-10-15-30-45' },
  ],
  notes: `Embedded mode: the background dev server's own UI. With a server of your own: TEMPORAL_UI_URL
(default http://localhost:8080). The URL is always printed; a browser opens where there is one.`,
  async handler(opts, ctx) {
    const [{ findRun, cliStore }, { validateRunId }, { workflowIdFor }, { connectTemporal, uiWorkflowUrl }, { workflowStatus }, { openUrl }] = await Promise.all([
      import('../runs.js'),
      import('../../storage/json-storage.js'),
      import('../../workflows/contract.js'),
      import('../connect.js'),
      import('../workflow-state.js'),
      import('../open-url.js'),
    ]);
    validateRunId(opts.runId);
    const env = await ctx.env();
    const outputDir = path.resolve(opts.outputDir);
    const found = await findRun(cliStore(env, outputDir), opts.runId).catch(() => null);
    const workflowId = found?.readable ? found.metadata.workflow_id : workflowIdFor(opts.runId);
    const target = await connectTemporal(env, { log: ctx.out.info, checkSettings: false });
    try {
      if (!found && (await workflowStatus(target.client.workflow.getHandle(workflowId))) === null) {
        throw new ValidationError(`no run "${opts.runId}" in ${outputDir}, and Temporal at ${target.address} does not know workflow ${workflowId}`);
      }
      const url = uiWorkflowUrl(target.uiBaseUrl, target.namespace, workflowId);
      if (opts.open && Boolean(process.stdout.isTTY) && openUrl(url, env)) ctx.out.info(`Opening the Temporal UI for run ${opts.runId}`);
      ctx.out.result(url);
      return EXIT.OK;
    } finally {
      await target.close();
    }
  },
});
