/** `volt-agent list-runs`: the runs of an output directory, newest first, read from their files. */
import { ValidationError } from '../../errors.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption, outputDirOption, wholeNumber } from '../shared-options.js';

export const listRuns = defineCommand({
  name: 'list-runs',
  description: 'List runs, newest first: id, status, period, users, start, duration, stages.',
  options: (command) =>
    command
      .option('--limit <n>', 'how many runs to show', wholeNumber('--limit', 1), 10)
      .option('--status <status>', 'only runs with this status, e.g. failed or in_progress')
      .addOption(outputDirOption())
      .addOption(jsonOption("print a JSON array: each run's run_metadata.json plus run_dir and duration_seconds")),
  examples: [
    { command: 'volt-agent list-runs' },
    { command: 'volt-agent list-runs --status failed --limit 50' },
    { command: `volt-agent list-runs --json | jq -r '.[] | select(.status == "completed") | .run_id'` },
  ],
  notes: `A directory that is not a readable run is listed as "unreadable" with the reason. No Temporal server is needed.
With VOLT_RUN_STORE=s3://BUCKET/PREFIX (and VOLT_S3_ENDPOINT, AWS_* credentials) the runs are read from
the bucket instead of --output-dir, from any machine.`,
  async handler(opts, ctx) {
    const [{ RUN_STATUSES }, runs] = await Promise.all([import('../../storage/schemas.js'), import('../runs.js')]);
    if (opts.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(opts.status)) {
      throw new ValidationError(`--status must be one of ${RUN_STATUSES.join(', ')}, not "${opts.status}"`);
    }
    const store = runs.cliStore(await ctx.env(), opts.outputDir);
    const outputDir = store.location;
    const all = await runs.listRuns(store);
    const matching = opts.status === undefined ? all : all.filter((r) => r.readable && r.metadata.status === opts.status);
    const shown = matching.slice(0, opts.limit);
    const now = Date.now();
    if (opts.json) {
      ctx.out.result(JSON.stringify(shown.map((r) => runs.listJson(r, now)), null, 2));
      return EXIT.OK;
    }
    if (shown.length === 0) {
      ctx.out.result(all.length === 0 ? `No runs in ${outputDir}` : `No ${opts.status} runs in ${outputDir} (${all.length} runs in all)`);
      return EXIT.OK;
    }
    const lines = [runs.runsTable(shown, now)];
    if (matching.length > shown.length) lines.push(`(${shown.length} of ${matching.length}: --limit ${matching.length} shows all)`);
    ctx.out.result(lines.join('\n'));
    return EXIT.OK;
  },
});
