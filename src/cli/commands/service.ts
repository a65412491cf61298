/** `volt-agent service start|stop|status`: the embedded mode's background service (../service/). */
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
    const [{ DefaultLogger, Runtime }, { ensureTemporalBinary }, { runService }] = await Promise.all([
      import('@temporalio/worker'),
      import('../../temporal/binary.js'),
      import('../service/server.js'),
    ]);
    // The service handles SIGINT/SIGTERM itself: it stops its workers, simulators and server in order.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    const temporalCli = opts.temporalCli ?? (await ensureTemporalBinary({ log: ctx.out.info, env: env.raw }));
    return runService({ temporalCli, env });
  },
});

const stop = defineCommand({
  name: 'stop',
  description: 'Stop the background service of VOLT_STATE_DIR (running workflows resume when it starts again).',
  examples: [{ command: 'volt-agent service stop' }],
  async handler(_opts, ctx) {
    const env = await ctx.env();
    const [{ serviceSettings }, { stopService }] = await Promise.all([import('../../config/env.js'), import('../service/client.js')]);
    const dir = serviceSettings(env).stateDir;
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
    const { control_token: _token, fingerprint: _fingerprint, ...visible } = info;
    if (opts.json) {
      ctx.out.result(JSON.stringify({ ...visible, running: true, running_workflows: live.running_workflows, idle_for_seconds: live.idle_for_seconds, sandboxes: live.sandboxes }, null, 2));
      return EXIT.OK;
    }
    ctx.out.result(
      [
        `Background service for ${dir}: pid ${info.pid}, since ${info.started_at}`,
        `  Temporal:   ${info.address} (namespace ${info.namespace})`,
        `  UI:         ${info.ui_url ?? '-'}`,
        `  Running:    ${live.running_workflows ?? '?'} workflow(s); stops after ${info.idle_seconds} s without any (idle for ${live.idle_for_seconds} s)`,
        ...live.sandboxes.map((s) => `  Sandbox:    "${s.dataset_name}" on ${s.task_queue} (Toggl ${s.toggl_url}, Fibery ${s.fibery_url})`),
        `  Log:        ${info.log_file}`,
      ].join('\n'),
    );
    return EXIT.OK;
  },
});

export const service = defineCommand({
  name: 'service',
  description: "The embedded mode's background service (Temporal dev server + workers); the other commands start it when needed.",
  examples: [{ command: 'volt-agent service status' }, { command: 'volt-agent service stop' }],
  notes: `It keeps its state in VOLT_STATE_DIR (default ./tmp/temporal) and stops itself after
VOLT_SERVICE_IDLE_SECONDS (default 120) without a running workflow.`,
  subcommands: [start, stop, status],
});
