/** `volt-agent schedule delete`: the schedule goes; its runs and their files stay. */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { scheduleIdOption, withTemporal } from './schedule-common.js';

export const scheduleDelete = defineCommand({
  name: 'delete',
  description: 'Delete a schedule. Runs it started go on and their files stay.',
  options: (command) => command.addOption(scheduleIdOption()),
  examples: [{ command: 'volt-agent schedule delete --id weekly-digest' }],
  async handler(opts, ctx) {
    const [{ checkScheduleId }, { deleteSchedule }] = await Promise.all([import('../../schedules/request.js'), import('../../schedules/client.js')]);
    const id = checkScheduleId(opts.id);
    await withTemporal(ctx, false, (target) => deleteSchedule(target.client, id));
    ctx.out.result(`Schedule ${id} deleted (its runs and their files are kept)`);
    return EXIT.OK;
  },
});
