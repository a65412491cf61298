/** `volt-agent demo`: the whole pipeline on the built-in sample workspace, no tokens, no internet. */
import { defineCommand } from '../define-command.js';
import { jsonOption, outputDirOption, sandboxLatencyOption } from '../shared-options.js';

export const demo = defineCommand({
  name: 'demo',
  description: 'Run the whole pipeline on the built-in sample workspace: local simulators, embedded Temporal, no tokens, no internet.',
  options: (command) =>
    command
      .addOption(outputDirOption('where the run directory goes'))
      .option('--dataset <file>', 'another dataset for the simulators (default: the sample workspace)')
      .addOption(sandboxLatencyOption('how long the Fibery simulator takes per request, like the real API'))
      .addOption(jsonOption('print the result as one JSON object on stdout')),
  examples: [
    { command: 'volt-agent demo' },
    { command: 'volt-agent demo --output-dir /tmp/volt-demo --json' },
    { command: 'volt-agent demo --sandbox-latency 0', note: 'as fast as it goes' },
  ],
  notes: 'The first demo installs the Temporal CLI if there is none (see README "The Temporal CLI").',
  async handler(opts, ctx) {
    const env = await ctx.env();
    const [{ resolveRunOptions }, { launchRun, sandboxOptions }, { loadDataset }, { cliStore }] = await Promise.all([
      import('../options.js'),
      import('../launch.js'),
      import('../../sandbox/dataset.js'),
      import('../runs.js'),
    ]);
    const sandbox = await sandboxOptions({ ...opts, sandbox: true }, env);
    const { period } = await loadDataset(sandbox.datasetPath!);
    const options = await resolveRunOptions({ outputDir: opts.outputDir, startDate: period.start_date, endDate: period.end_date }, cliStore(env, opts.outputDir));
    return launchRun({ ...options, ...sandbox, json: opts.json }, env, ctx.out);
  },
});
