/** `volt-agent schedule list`: every schedule with its next fire times and its last run. */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption } from '../shared-options.js';
import { withTemporal } from './schedule-common.js';

export const scheduleList = defineCommand({
  name: 'list',
  description: 'List the schedules: cron, timezone, period, channels, the next three fire times and the last run with its status.',
  options: (command) => command.addOption(jsonOption('print an array: each schedule as `schedule describe --json` shows it')),
  examples: [{ command: 'volt-agent schedule list' }, { command: 'volt-agent schedule list --json | jq ".[].next_fire_times"' }],
  async handler(opts, ctx) {
    const [{ listScheduleViews }, { schedulesText }] = await Promise.all([import('../../schedules/client.js'), import('../../schedules/view.js')]);
    const views = await withTemporal(ctx, false, (target) => listScheduleViews(target.client));
    ctx.out.result(opts.json ? JSON.stringify(views, null, 2) : schedulesText(views));
    return EXIT.OK;
  },
});
