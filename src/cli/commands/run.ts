/** `volt-agent run`: the pipeline for a period, or its Fibery stage again, with live progress. */
import { channelHelp, channelList } from '../../delivery/channels/index.js';
import { providerList } from '../../llm/providers/index.js';
import { defineCommand } from '../define-command.js';
import { jsonOption, outputDirOption, periodOption, runIdOption, sandboxLatencyOption, trendOption } from '../shared-options.js';

export const run = defineCommand({
  name: 'run',
  description: 'Run the pipeline for a period: fetch Toggl entries, enrich their Fibery entities, write the reports; shows live progress.',
  options: (command) =>
    command
      .addOption(periodOption('the period by name: last-week, this-week, last-month, this-month, 2026-W49 (ISO week), 2026-11 or 2026-11-01..2026-11-15'))
      .option('--start-date <date>', 'first day of the period, YYYY-MM-DD (instead of --period)')
      .option('--end-date <date>', 'last day of the period, YYYY-MM-DD, inclusive')
      .addOption(trendOption())
      .option('--users <emails>', 'comma-separated Toggl user emails (default: everyone with time)')
      .addOption(outputDirOption('where run directories go'))
      .option('--start-from <stage>', 'toggl (default): the whole pipeline; fibery: redo enrichment and reports of --run-id')
      .addOption(runIdOption('run id (required with --start-from fibery; default run_YYYY-MM-DD-HH-MM-SS); a failed or cancelled run\'s id resumes it'))
      .option('--compare <mode>', 'previous (default): also aggregate the period of equal length just before and show the changes; none: only the period')
      .option('--deliver <channels>', `once the reports are written, send the digest to ${channelList('and/or')} (comma-separated; settings from the worker's environment)`)
      .option('--reload-config', 'with --start-from fibery: use the current config/ instead of the settings the run was started with', false)
      .option('--sandbox', 'use the built-in Toggl and Fibery simulators instead of the real APIs (no tokens needed)', false)
      .option('--dataset <file>', 'with --sandbox: the dataset the simulators serve (default: the sample workspace)')
      .addOption(sandboxLatencyOption('with --sandbox: how long the Fibery simulator takes per request, like the real API'))
      .addOption(jsonOption('print the result as one JSON object on stdout (progress as plain lines on stderr)')),
  examples: [
    { command: 'volt-agent run --period last-week', note: 'the ISO week before this one (week start and time zone: config.yaml periods)' },
    { command: 'volt-agent run --period 2026-W49 --trend 8', note: 'an ISO week, with the 7 weeks before it in the team report\'s trend' },
    { command: 'volt-agent run --period 2026-11', note: 'a calendar month' },
    { command: 'volt-agent run --start-date 2025-10-07 --end-date 2025-10-13' },
    { command: 'volt-agent run --start-date 2025-10-07 --end-date 2025-10-13 --users john@example.com,jane@example.com' },
    { command: 'volt-agent run --start-from fibery --run-id run_2025-10-10-15-30-45', note: 'redo enrichment and reports only' },
    { command: 'volt-agent run --start-from fibery --run-id run_2025-10-10-15-30-45 --reload-config', note: '…with the config as it is now' },
    { command: 'volt-agent run --start-date 2025-01-01 --end-date 2025-12-31 --run-id year-2025', note: 'a year; if it fails, the same command resumes its fetch' },
    { command: 'volt-agent run --start-date 2025-10-07 --end-date 2025-10-13 --compare none', note: 'no comparison with the week before' },
    { command: 'volt-agent run --start-date 2025-10-06 --end-date 2025-10-12 --deliver slack,email', note: 'then send the digest (VOLT_SLACK_WEBHOOK_URL, VOLT_SMTP_URL …)' },
    { command: 'volt-agent run --sandbox --start-date 2026-11-09 --end-date 2026-11-22', note: 'against the simulators' },
    { command: 'volt-agent run --sandbox --sandbox-latency 0 --start-date 2026-11-09 --end-date 2026-11-15' },
    { command: 'TEMPORAL_ADDRESS=localhost:7233 volt-agent run --start-date 2025-10-07 --end-date 2025-10-13', note: 'on your own Temporal' },
  ],
  notes: `On a terminal the progress is a live box: 'q' stops watching (the run goes on), 'd' opens the run in
the Temporal UI. Piped, in CI or with NO_COLOR it is plain lines.

Tokens come from the environment or .env: TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID, FIBERY_API_TOKEN,
FIBERY_WORKSPACE, and optionally ${providerList().map((p) => p.keyVariable).join(' or ')}. Without a Temporal server
configured (TEMPORAL_ADDRESS or a profile of Temporal's config file) a background service (embedded
Temporal server and worker, state in VOLT_STATE_DIR, default ./tmp/temporal) runs the workflow and
stops itself when idle; with one, start \`volt-agent worker\` next to it.
With --deliver the digest goes out after the reports, each channel with settings from the worker's
environment:
${channelHelp()}
A failed delivery does not fail the run: run_metadata.json records it, and \`volt-agent deliver
--run-id …\` sends again.
Everything is checked before anything starts: a bad value is one line and exit code 2.`,
  async handler(opts, ctx) {
    const env = await ctx.env();
    const [{ resolveRunOptions, periodContext, describeRunPeriod }, { launchRun, sandboxOptions }, { cliStore }] = await Promise.all([import('../options.js'), import('../launch.js'), import('../runs.js')]);
    const options = await resolveRunOptions(opts, cliStore(env, opts.outputDir), undefined, opts.period === undefined ? undefined : await periodContext(env));
    if (opts.period !== undefined) ctx.out.info(`Period ${opts.period}: ${describeRunPeriod(options)}`);
    const sandbox = await sandboxOptions(opts, env);
    return launchRun({ ...options, ...sandbox, json: opts.json }, env, ctx.out);
  },
});
