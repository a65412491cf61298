/**
 * What the `schedule …` commands share (not a command itself): the --id flag and a Temporal
 * connection for the length of one command.
 */
import { Option } from '@commander-js/extra-typings';
import { EnvironmentError } from '../../errors.js';
import type { TemporalTarget } from '../connect.js';
import type { CommandContext } from '../define-command.js';
import type { Output } from '../output.js';

export const scheduleIdOption = (help = 'the schedule (see volt-agent schedule list)') => new Option('--id <id>', help).makeOptionMandatory();

/**
 * Runs `work` against Temporal: the configured server, or the embedded background service.
 * `checkSettings` restarts a service whose workers run with other settings (as `run` does), for
 * the commands that make runs happen: their runs use the service's environment.
 */
export async function withTemporal<T>(ctx: CommandContext, checkSettings: boolean, work: (target: TemporalTarget) => Promise<T>): Promise<T> {
  const env = await ctx.env();
  const { connectTemporal } = await import('../connect.js');
  const target = await connectTemporal(env, { log: ctx.out.info, checkSettings });
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

/**
 * Before a trigger or a backfill: a worker must serve the schedule's task queue. In the embedded
 * mode a sandbox schedule's simulators are (re)started in the background service first.
 */
export async function ensureScheduleWorkers(target: TemporalTarget, id: string, out: Output): Promise<void> {
  const [{ scheduleWorkerNeeds }, { requirePoller }] = await Promise.all([import('../../schedules/client.js'), import('../connect.js')]);
  const needs = await scheduleWorkerNeeds(target.client, id);
  if (needs.sandbox && target.service) {
    const { requestSandbox } = await import('../service/client.js');
    const sandbox = await requestSandbox(target.service, needs.sandbox.dataset_path, needs.sandbox.fibery_latency_ms);
    if (sandbox.task_queue !== needs.taskQueue) {
      throw new EnvironmentError(
        `schedule "${id}" runs on ${needs.taskQueue}, but the sandbox of ${needs.sandbox.dataset_path} now has ${sandbox.task_queue} (the dataset changed): delete the schedule and create it again`,
      );
    }
    out.info(`Sandbox: simulators for "${sandbox.dataset_name}" on ${sandbox.task_queue}`);
  }
  await requirePoller(target, needs.taskQueue);
}
