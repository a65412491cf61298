/** `volt-agent schedule trigger`: one run now, for the period before now. */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption } from '../shared-options.js';
import { ensureScheduleWorkers, scheduleIdOption, withTemporal } from './schedule-common.js';

export const scheduleTrigger = defineCommand({
  name: 'trigger',
  description: 'Start one run of a schedule now (also while it is paused): it reports on the period before now and delivers as the schedule says.',
  options: (command) => command.addOption(scheduleIdOption()).addOption(jsonOption('print the started run (slot, run id, period, workflow id) as JSON')),
  examples: [{ command: 'volt-agent schedule trigger --id weekly-digest' }],
  notes: 'The command returns once the run has started; follow it with volt-agent show-run --run-id … --watch.',
  async handler(opts, ctx) {
    const [{ checkScheduleId }, { triggerSchedule }] = await Promise.all([import('../../schedules/request.js'), import('../../schedules/client.js')]);
    const id = checkScheduleId(opts.id);
    const run = await withTemporal(ctx, true, async (target) => {
      await ensureScheduleWorkers(target, id, ctx.out);
      return triggerSchedule(target.client, id);
    });
    if (opts.json) ctx.out.result(JSON.stringify(run));
    else if (run) ctx.out.result(`Triggered schedule ${id}: run ${run.run_id} (${run.period.start_date} – ${run.period.end_date}), workflow ${run.workflow_id}`);
    else ctx.out.result(`Triggered schedule ${id}; the run does not show yet: see volt-agent schedule describe --id ${id}`);
    return EXIT.OK;
  },
});
