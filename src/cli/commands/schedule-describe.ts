/** `volt-agent schedule describe`: one schedule, its policies, next fire times and last runs. */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption } from '../shared-options.js';
import { scheduleIdOption, withTemporal } from './schedule-common.js';

export const scheduleDescribe = defineCommand({
  name: 'describe',
  description: 'Show one schedule: what it runs, its policies, the next three fire times and its last runs with their status, run id and period.',
  options: (command) => command.addOption(scheduleIdOption()).addOption(jsonOption('print the schedule as one JSON object')),
  examples: [{ command: 'volt-agent schedule describe --id weekly-digest' }, { command: 'volt-agent schedule describe --id weekly-digest --json | jq .recent_runs' }],
  async handler(opts, ctx) {
    const [{ checkScheduleId }, { scheduleView }, { scheduleText }] = await Promise.all([
      import('../../schedules/request.js'),
      import('../../schedules/client.js'),
      import('../../schedules/view.js'),
    ]);
    const id = checkScheduleId(opts.id);
    const view = await withTemporal(ctx, false, (target) => scheduleView(target.client, id));
    ctx.out.result(opts.json ? JSON.stringify(view, null, 2) : scheduleText(view));
    return EXIT.OK;
  },
});
