/** `volt-agent schedule backfill`: the slots of past days run now, each for its own period. */
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { ensureScheduleWorkers, scheduleIdOption, withTemporal } from './schedule-common.js';

export const scheduleBackfill = defineCommand({
  name: 'backfill',
  description: "Run a schedule's slots from --from to --to (inclusive, in the schedule's timezone) now, one after another, each reporting on the period before its own slot.",
  options: (command) =>
    command
      .addOption(scheduleIdOption())
      .requiredOption('--from <date>', 'first day whose slots run, YYYY-MM-DD')
      .requiredOption('--to <date>', 'last day whose slots run, YYYY-MM-DD (at most today)'),
  examples: [{ command: 'volt-agent schedule backfill --id weekly-digest --from 2026-11-02 --to 2026-11-16', note: 'the Mondays 2, 9 and 16 November' }],
  notes: `A slot that already ran is not run twice: its run id comes from the slot, and a completed run
stays as it is (a failed one is resumed). A backfill runs while the schedule is paused too.`,
  async handler(opts, ctx) {
    const [{ checkBackfillRange, checkDay, checkScheduleId }, { backfillSchedule, scheduleTimezone }] = await Promise.all([
      import('../../schedules/request.js'),
      import('../../schedules/client.js'),
    ]);
    const id = checkScheduleId(opts.id);
    // Dates first: a bad one is refused before anything starts.
    checkDay('--from', opts.from);
    checkDay('--to', opts.to);
    const timezone = await withTemporal(ctx, true, async (target) => {
      const zone = await scheduleTimezone(target.client, id);
      const span = checkBackfillRange(opts.from, opts.to, zone, new Date());
      await ensureScheduleWorkers(target, id, ctx.out);
      await backfillSchedule(target.client, id, span.start, span.end);
      return zone;
    });
    ctx.out.result(
      `Backfilling schedule ${id}: its slots of ${opts.from} – ${opts.to} (${timezone}, up to now) run one after another, each for the period before its slot` +
        `\n  Follow them with volt-agent schedule describe --id ${id}`,
    );
    return EXIT.OK;
  },
});
