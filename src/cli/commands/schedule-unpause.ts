/** `volt-agent schedule unpause`: the schedule fires again from its next slot. */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { scheduleIdOption, withTemporal } from './schedule-common.js';

export const scheduleUnpause = defineCommand({
  name: 'unpause',
  description: 'Unpause a schedule: it fires again from its next slot (missed ones: schedule backfill).',
  options: (command) => command.addOption(scheduleIdOption()).option('--note <text>', 'shown by schedule describe', 'unpaused with volt-agent schedule unpause'),
  examples: [{ command: 'volt-agent schedule unpause --id weekly-digest' }],
  async handler(opts, ctx) {
    const [{ checkScheduleId }, { unpauseSchedule, scheduleView }, { formatSlot }] = await Promise.all([
      import('../../schedules/request.js'),
      import('../../schedules/client.js'),
      import('../../schedules/view.js'),
    ]);
    const id = checkScheduleId(opts.id);
    const view = await withTemporal(ctx, false, async (target) => {
      await unpauseSchedule(target.client, id, opts.note);
      return scheduleView(target.client, id);
    });
    const next = view.next_fire_times[0];
    ctx.out.result(`Schedule ${id} unpaused${next ? `: next run ${formatSlot(next, view.timezone)}` : ''}`);
    return EXIT.OK;
  },
});
