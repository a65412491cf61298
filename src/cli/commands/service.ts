/** `volt-agent service start|stop|status`: the embedded mode's background service (../service/). */
import type { ServiceInfo } from '../service/state.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption } from '../shared-options.js';

const start = defineCommand({
  name: 'start',
  description: 'Run the service in the foreground (the other commands start it in the background).',
  options: (command) => command.option('--temporal-cli <path>', 'the temporal binary to use (default: found or installed as usual)'),
  examples: [{ command: 'VOLT_STATE_DIR=/var/lib/volt volt-agent service start' }],
  async handler(opts, ctx) {
    const env = await ctx.env();
    const [{ ensureTemporalBinary }, { runService }] = await Promise.all([import('../../temporal/binary.js'), import('../service/server.js')]);
    const temporalCli = opts.temporalCli ?? (await ensureTemporalBinary({ log: ctx.out.info, env: env.raw }));
    return runService({ temporalCli, env });
  },
});

const stop = defineCommand({
  name: 'stop',
  description: 'Stop the background service of VOLT_STATE_DIR (running workflows resume when it starts again; schedules do not fire while it is stopped).',
  examples: [{ command: 'volt-agent service stop' }],
  async handler(_opts, ctx) {
    const env = await ctx.env();
    const [{ serviceSettings }, { findLiveService, serviceStatus, stopService }] = await Promise.all([import('../../config/env.js'), import('../service/client.js')]);
    const dir = serviceSettings(env).stateDir;
    const live = await findLiveService(dir);
    const schedules = live ? ((await serviceStatus(live).catch(() => null))?.schedules ?? []) : [];
    if (schedules.length > 0) {
      ctx.out.info(
        `Warning: ${schedules.length} schedule${schedules.length === 1 ? '' : 's'} (${schedules.join(', ')}) will not fire while the service is stopped. ` +
          'The next volt-agent command that needs Temporal starts it again; a slot missed by less than a day then runs, older ones only with volt-agent schedule backfill.',
      );
    }
    const stopped = await stopService(dir);
    ctx.out.result(stopped ? `Stopped the background service of ${dir}` : `No background service is running for ${dir}`);
    return EXIT.OK;
  },
});

const status = defineCommand({
  name: 'status',
  description: 'Show whether the background service runs, its addresses, UI, running workflows and sandboxes.',
  options: (command) => command.addOption(jsonOption('print JSON')),
  examples: [{ command: 'volt-agent service status --json' }],
  async handler(opts, ctx) {
    const env = await ctx.env();
    const [{ serviceSettings }, { findLiveService, serviceStatus }, { lockHolder }] = await Promise.all([
      import('../../config/env.js'),
      import('../service/client.js'),
      import('../service/state.js'),
    ]);
    const dir = serviceSettings(env).stateDir;
    const info = await findLiveService(dir);
    if (!info) {
      const starting = await lockHolder(dir);
      if (opts.json) ctx.out.result(JSON.stringify({ state_dir: dir, running: false, starting_pid: starting }));
      else ctx.out.result(starting ? `A background service for ${dir} is starting (pid ${starting})` : `No background service is running for ${dir}`);
      return EXIT.OK;
    }
    const live = await serviceStatus(info);
    const schedules = await scheduleViewsOf(info, live.schedules ?? []);
    const { control_token: _token, fingerprint: _fingerprint, ...visible } = info;
    const stays = schedules.length > 0 ? 'schedules' : (live.running_workflows ?? 0) > 0 ? 'running workflows' : null;
    if (opts.json) {
      ctx.out.result(
        JSON.stringify(
          { ...visible, running: true, running_workflows: live.running_workflows, idle_for_seconds: live.idle_for_seconds, stays_up_for: stays, schedules, sandboxes: live.sandboxes },
          null,
          2,
        ),
      );
      return EXIT.OK;
    }
    const { formatSlot } = await import('../../schedules/view.js');
    ctx.out.result(
      [
        `Background service for ${dir}: pid ${info.pid}, since ${info.started_at}`,
        `  Temporal:   ${info.address} (namespace ${info.namespace})`,
        `  UI:         ${info.ui_url ?? '-'}`,
        `  Running:    ${live.running_workflows ?? '?'} workflow(s)`,
        schedules.length > 0
          ? `  Stays up:   while schedules exist (they fire only while it runs): ${schedules.length}`
          : `  Stops:      after ${info.idle_seconds} s without a running workflow or a schedule (idle for ${live.idle_for_seconds} s)`,
        ...schedules.map((s) => `  Schedule:   ${s.id}${s.paused ? ' (paused)' : ''}${s.next ? `, next ${formatSlot(s.next, s.timezone)}` : ''}`),
        ...live.sandboxes.map((s) => `  Sandbox:    "${s.dataset_name}" on ${s.task_queue} (Toggl ${s.toggl_url}, Fibery ${s.fibery_url})`),
        `  Log:        ${info.log_file}`,
      ].join('\n'),
    );
    return EXIT.OK;
  },
});

interface ScheduleLine {
  id: string;
  paused: boolean;
  next: string | null;
  timezone: string;
}

/** The schedules keeping the service up, with their next slot when Temporal can be asked; the ids alone otherwise. */
async function scheduleViewsOf(info: ServiceInfo, ids: string[]): Promise<ScheduleLine[]> {
  try {
    const [{ connectClient, newClient }, { listScheduleViews }] = await Promise.all([import('../../temporal/connection.js'), import('../../schedules/client.js')]);
    const connection = await connectClient({ address: info.address, namespace: info.namespace, source: 'the background service' }, 'the background service may have just stopped');
    try {
      const views = await listScheduleViews(await newClient(connection, info.namespace));
      return views.map((v) => ({ id: v.id, paused: v.paused, next: v.next_fire_times[0] ?? null, timezone: v.timezone }));
    } finally {
      await connection.close();
    }
  } catch {
    return ids.map((id) => ({ id, paused: false, next: null, timezone: 'UTC' }));
  }
}

export const service = defineCommand({
  name: 'service',
  description: "The embedded mode's background service (Temporal dev server + workers); the other commands start it when needed.",
  examples: [{ command: 'volt-agent service status' }, { command: 'volt-agent service stop' }],
  notes: `It keeps its state in VOLT_STATE_DIR (default ./tmp/temporal) and stops itself after
VOLT_SERVICE_IDLE_SECONDS (default 120) without a running workflow, unless a schedule exists:
schedules fire only while it runs, so it stays up for them.`,
  subcommands: [start, stop, status],
});
