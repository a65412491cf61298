/** `volt-agent schedule create`: a Temporal Schedule that runs the pipeline for the period before each slot. */
import { channelHelp, channelList } from '../../delivery/channels/index.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { outputDirOption, sandboxLatencyOption, trendOption } from '../shared-options.js';
import { scheduleIdOption } from './schedule-common.js';

export const scheduleCreate = defineCommand({
  name: 'create',
  description: 'Create a schedule: at each slot of --cron (in --timezone) a run reports on --period before that slot, and its digest goes to --deliver.',
  options: (command) =>
    command
      .addOption(scheduleIdOption('a name for the schedule: letters, digits, "_" and "-" (part of each run id)'))
      .requiredOption('--cron <expression>', 'when it fires: minute hour day-of-month month day-of-week, e.g. "0 8 * * 1" (Mondays 08:00); also @daily, @weekly …')
      .option('--timezone <zone>', 'IANA timezone of the cron string and of the periods', 'UTC')
      .requiredOption('--period <period>', 'what each run reports on: previous-week (Monday–Sunday before the slot; also last-week), previous-month (also last-month), last-7-days or last-30-days')
      .option('--users <emails>', 'comma-separated Toggl user emails (default: everyone with time)')
      .addOption(outputDirOption('where the run directories go'))
      .option('--deliver <channels>', `send each run's digest to ${channelList('and/or')} (comma-separated; settings from the worker's environment)`)
      .option('--no-notify-failures', 'do not announce a failed run on the --deliver channels (by default a failed run sends one failure notice to each)')
      .option('--compare <mode>', 'previous (default): also show the changes against the period before; none: only the period')
      .addOption(trendOption())
      .option('--sandbox', 'run against the built-in Toggl and Fibery simulators (the background service keeps them up while the schedule exists)', false)
      .option('--dataset <file>', 'with --sandbox: the dataset the simulators serve (default: the sample workspace)')
      .addOption(sandboxLatencyOption('with --sandbox: how long the Fibery simulator takes per request')),
  examples: [
    { command: 'volt-agent schedule create --id weekly-digest --cron "0 8 * * 1" --timezone Europe/Berlin --period previous-week --deliver slack,email' },
    { command: 'volt-agent schedule create --id monthly --cron "0 7 1 * *" --period previous-month --users ann@example.com' },
    { command: 'volt-agent schedule create --id weekly-trend --cron "0 8 * * 1" --period last-week --trend 8', note: 'each digest with the 8 weeks up to its week' },
    { command: 'volt-agent schedule create --id try-it --cron "0 8 * * 1" --period previous-week --sandbox --sandbox-latency 0', note: 'against the simulators' },
  ],
  notes: `Each run's period comes from the slot it was scheduled for, never from the clock: a run
backfilled for 2026-11-16 reports on 2026-11-09 – 2026-11-15. A slot that comes while the last run
still goes is skipped (overlap policy skip); a slot missed while Temporal was down runs when it is
back within a day (catch-up window), older ones only by \`schedule backfill\`.
Without a Temporal server of your own (TEMPORAL_ADDRESS), the background service runs the schedule
and stays up while any schedule exists; its workers use the environment of the command that started
it, so create schedules where the tokens and delivery settings are set. With one, \`volt-agent worker\`
must run for the slots to fire. A run that fails sends one failure notice to each --deliver channel
(Slack: schedule, period, stage, error, show-run and the Temporal UI link; e-mail: subject FAILED)
and still ends failed; --no-notify-failures turns that off. Schedule arguments are stored in plain text: they never hold a secret.
The channels of --deliver:
${channelHelp()}`,
  async handler(opts, ctx) {
    const env = await ctx.env();
    const [request, { checkCron }, { checkPeriod }, { checkCompare, parseUsers }, { sandboxOptions, taskQueueFor }, { preflightRun }] = await Promise.all([
      import('../../schedules/request.js'),
      import('../../schedules/cron.js'),
      import('../../schedules/period.js'),
      import('../options.js'),
      import('../launch.js'),
      import('../preflight.js'),
    ]);
    const id = request.checkScheduleId(opts.id);
    const cron = checkCron(opts.cron);
    const input = {
      schedule_id: id,
      period: checkPeriod(opts.period),
      timezone: request.checkTimezone(opts.timezone),
      users: opts.users === undefined ? null : parseUsers(opts.users),
      output_dir: (await import('node:path')).resolve(opts.outputDir),
      deliver: opts.deliver === undefined ? [] : request.checkChannels('--deliver', opts.deliver),
      compare: checkCompare(opts.compare),
      ...(opts.trend !== undefined ? { trend: opts.trend } : {}),
      notify_failures: opts.notifyFailures,
    };
    const sandbox = await sandboxOptions(opts, env);
    await preflightRun({ sandbox: sandbox.sandbox, datasetPath: sandbox.datasetPath, outputDir: input.output_dir, deliver: input.deliver }, env);

    const [{ assertNewSchedule, createSchedule, scheduleView }, { scheduleText }, { withTemporal }, { workflowPollers }] = await Promise.all([
      import('../../schedules/client.js'),
      import('../../schedules/view.js'),
      import('./schedule-common.js'),
      import('../connect.js'),
    ]);
    const view = await withTemporal(ctx, true, async (target) => {
      await assertNewSchedule(target.client, id);
      const taskQueue = await taskQueueFor(sandbox, target, ctx.out);
      await createSchedule(target.client, id, {
        cron,
        input,
        taskQueue,
        sandbox: sandbox.datasetPath ? { dataset_path: sandbox.datasetPath, fibery_latency_ms: sandbox.sandboxLatencyMs } : null,
      });
      if (target.mode === 'external' && !(await workflowPollers(target, taskQueue)).ok) {
        ctx.out.info(`Note: no worker polls ${taskQueue} on ${target.address} yet; the slots fire only while \`volt-agent worker\` runs (same TEMPORAL_* settings)`);
      }
      if (target.mode === 'embedded') ctx.out.info(`The background service (pid ${target.service?.pid}) stays up while a schedule exists: the slots fire only while it runs (volt-agent service status)`);
      return scheduleView(target.client, id);
    });
    if (view.next_fire_times.length === 0) ctx.out.info(`Note: "${cron}" matches no future time in ${view.timezone}: the schedule never fires by itself (trigger and backfill still run it)`);
    ctx.out.result(`Created schedule ${id}\n${scheduleText(view)}`);
    return EXIT.OK;
  },
});
