/** `volt-agent service start|stop|status`: the embedded mode's background service (./service/). */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ensureTemporalBinary } from '../temporal/binary.js';
import { EXIT } from './exit-codes.js';
import type { Output } from './run-command.js';
import { findLiveService, serviceStatus, stopService } from './service/client.js';
import { runService } from './service/server.js';
import { lockHolder, stateDir } from './service/state.js';

export async function serviceStartCommand(opts: { temporalCli?: string }, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The service handles SIGINT/SIGTERM itself: it stops its workers, simulators and server in order.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const temporalCli = opts.temporalCli ?? (await ensureTemporalBinary({ log: out.info }));
  return runService({ stateDir: stateDir(env), temporalCli, env });
}

export async function serviceStopCommand(out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = stateDir(env);
  const stopped = await stopService(dir);
  out.result(stopped ? `Stopped the background service of ${dir}` : `No background service is running for ${dir}`);
  return EXIT.OK;
}

export async function serviceStatusCommand(opts: { json: boolean }, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = stateDir(env);
  const info = await findLiveService(dir);
  if (!info) {
    const starting = await lockHolder(dir);
    if (opts.json) out.result(JSON.stringify({ state_dir: dir, running: false, starting_pid: starting }));
    else out.result(starting ? `A background service for ${dir} is starting (pid ${starting})` : `No background service is running for ${dir}`);
    return EXIT.OK;
  }
  const status = await serviceStatus(info);
  const { control_token: _token, fingerprint: _fingerprint, ...visible } = info;
  if (opts.json) {
    out.result(JSON.stringify({ ...visible, running: true, running_workflows: status.running_workflows, idle_for_seconds: status.idle_for_seconds, sandboxes: status.sandboxes }, null, 2));
    return EXIT.OK;
  }
  out.result(
    [
      `Background service for ${dir}: pid ${info.pid}, since ${info.started_at}`,
      `  Temporal:   ${info.address} (namespace ${info.namespace})`,
      `  UI:         ${info.ui_url ?? '-'}`,
      `  Running:    ${status.running_workflows ?? '?'} workflow(s); stops after ${info.idle_seconds} s without any (idle for ${status.idle_for_seconds} s)`,
      ...status.sandboxes.map((s) => `  Sandbox:    "${s.dataset_name}" on ${s.task_queue} (Toggl ${s.toggl_url}, Fibery ${s.fibery_url})`),
      `  Log:        ${info.log_file}`,
    ].join('\n'),
  );
  return EXIT.OK;
}
