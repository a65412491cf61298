/** `volt-agent schedule pause`: no slot fires until `unpause` (a backfill or a trigger still runs). */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { scheduleIdOption, withTemporal } from './schedule-common.js';

export const schedulePause = defineCommand({
  name: 'pause',
  description: 'Pause a schedule: its slots do not fire until it is unpaused (trigger and backfill still run).',
  options: (command) => command.addOption(scheduleIdOption()).option('--note <text>', 'why, shown by schedule describe', 'paused with volt-agent schedule pause'),
  examples: [{ command: 'volt-agent schedule pause --id weekly-digest --note "holidays"' }],
  async handler(opts, ctx) {
    const [{ checkScheduleId }, { pauseSchedule }] = await Promise.all([import('../../schedules/request.js'), import('../../schedules/client.js')]);
    const id = checkScheduleId(opts.id);
    await withTemporal(ctx, false, (target) => pauseSchedule(target.client, id, opts.note));
    ctx.out.result(`Schedule ${id} paused: no slot fires until volt-agent schedule unpause --id ${id}`);
    return EXIT.OK;
  },
});
