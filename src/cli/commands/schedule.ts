/** `volt-agent schedule create|list|describe|pause|unpause|trigger|backfill|delete`: reports that run by themselves. */
import { defineCommand } from '../define-command.js';
import { scheduleBackfill } from './schedule-backfill.js';
import { scheduleCreate } from './schedule-create.js';
import { scheduleDelete } from './schedule-delete.js';
import { scheduleDescribe } from './schedule-describe.js';
import { scheduleList } from './schedule-list.js';
import { schedulePause } from './schedule-pause.js';
import { scheduleTrigger } from './schedule-trigger.js';
import { scheduleUnpause } from './schedule-unpause.js';

export const schedule = defineCommand({
  name: 'schedule',
  description: 'Reports that run by themselves: Temporal Schedules that run the pipeline for the period before each slot and deliver the digest.',
  examples: [
    { command: 'volt-agent schedule create --id weekly-digest --cron "0 8 * * 1" --timezone Europe/Berlin --period previous-week --deliver slack' },
    { command: 'volt-agent schedule list' },
    { command: 'volt-agent schedule backfill --id weekly-digest --from 2026-11-09 --to 2026-11-16' },
  ],
  notes: `Without TEMPORAL_ADDRESS the background service runs the schedules and stays up while any exists
(volt-agent service status); with a server of your own, \`volt-agent worker\` runs them.`,
  subcommands: [scheduleCreate, scheduleList, scheduleDescribe, schedulePause, scheduleUnpause, scheduleTrigger, scheduleBackfill, scheduleDelete],
});
