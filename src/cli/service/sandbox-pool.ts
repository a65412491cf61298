/**
 * The background service's sandboxes: one set of simulators and one worker per dataset file (and
 * version of it) and Fibery latency, each on a task queue of its own, so two sandboxes never share
 * a worker. The simulators' tokens go to that worker's activities only. Which queue belongs to
 * which dataset is kept in the state directory, so that after a restart the sandboxes of running
 * workflows and of schedules come back.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Sandbox } from '../../sandbox/index.js';
import { scheduleIds, scheduleWorkerNeeds } from '../../schedules/client.js';
import { TASK_QUEUE } from '../../workflows/contract.js';
import { writePrivateFileAtomic } from './state.js';

export const SANDBOX_QUEUE_PREFIX = `${TASK_QUEUE}-sandbox-`;

/** What the service tells a command about a sandbox it runs. */
export interface SandboxAnswer {
  task_queue: string;
  dataset_name: string;
  fibery_latency_ms: number;
  toggl_url: string;
  fibery_url: string;
}

interface RunningSandbox {
  sandbox: Sandbox;
  answer: SandboxAnswer;
}

/** One task queue per dataset file (and version of it) and latency. */
export function sandboxQueueFor(datasetPath: string, fiberyLatencyMs: number): { key: string; queue: string } {
  const resolved = path.resolve(datasetPath);
  const mtime = statSync(resolved).mtimeMs;
  const key = `${resolved}@${Math.round(mtime)}~${fiberyLatencyMs}`;
  return { key, queue: `${SANDBOX_QUEUE_PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 10)}` };
}

type Registry = Record<string, { dataset_path: string; fibery_latency_ms: number }>;

export interface SandboxPoolDeps {
  /** The state directory's file that maps task queues to datasets. */
  registryFile: string;
  startSandbox: (options: { datasetPath: string; fiberyLatencyMs: number }) => Promise<Sandbox>;
  /** Starts a worker on the queue whose activities see these variables (the simulators' tokens). */
  addWorker: (taskQueue: string, simulatorEnv: Record<string, string>) => Promise<void>;
  log: (line: string) => void;
}

export class SandboxPool {
  private readonly running = new Map<string, Promise<RunningSandbox>>();

  constructor(private readonly deps: SandboxPoolDeps) {}

  /** The sandbox for this dataset and latency, started (once, however many ask at once) if it is not. */
  ensure(datasetPath: string, fiberyLatencyMs: number): Promise<RunningSandbox> {
    const { key, queue } = sandboxQueueFor(datasetPath, fiberyLatencyMs);
    let entry = this.running.get(key);
    if (!entry) {
      entry = this.start(path.resolve(datasetPath), fiberyLatencyMs, queue);
      entry.catch(() => this.running.delete(key));
      this.running.set(key, entry);
    }
    return entry;
  }

  /** The sandbox a registered queue belongs to, started if it is not; null for a queue that is no sandbox's. */
  async restoreQueue(taskQueue: string): Promise<RunningSandbox | null> {
    const entry = (await this.readRegistry())[taskQueue];
    if (!entry) return null;
    const { queue } = sandboxQueueFor(entry.dataset_path, entry.fibery_latency_ms);
    if (queue !== taskQueue) throw new Error(`the dataset ${entry.dataset_path} changed since ${taskQueue} was made for it`);
    return this.ensure(entry.dataset_path, entry.fibery_latency_ms);
  }

  /** Sandbox schedules need their simulators whenever a slot fires: bring them back. Returns the schedule ids. */
  async restoreSchedules(client: Client): Promise<string[]> {
    const ids = await scheduleIds(client);
    for (const id of ids) {
      try {
        const needs = await scheduleWorkerNeeds(client, id);
        if (!needs.sandbox) continue;
        const { answer } = await this.ensure(needs.sandbox.dataset_path, needs.sandbox.fibery_latency_ms);
        if (answer.task_queue !== needs.taskQueue) this.deps.log(`schedule ${id} runs on ${needs.taskQueue}, but its dataset ${needs.sandbox.dataset_path} changed (now ${answer.task_queue}): its runs will wait; create it again`);
      } catch (error) {
        this.deps.log(`cannot restart the sandbox of schedule ${id}: ${(error as Error).message}`);
      }
    }
    return ids;
  }

  /** The sandboxes that started; one still starting is waited for, one that failed is left out. */
  async answers(): Promise<SandboxAnswer[]> {
    const list = await Promise.all([...this.running.values()].map((p) => p.then((s) => s.answer).catch(() => null)));
    return list.filter((s): s is SandboxAnswer => s !== null);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((p) => p.then((s) => s.sandbox.close())));
  }

  private async start(datasetPath: string, fiberyLatencyMs: number, queue: string): Promise<RunningSandbox> {
    const sandbox = await this.deps.startSandbox({ datasetPath, fiberyLatencyMs });
    await this.deps.addWorker(queue, sandbox.env);
    const registry = await this.readRegistry();
    registry[queue] = { dataset_path: datasetPath, fibery_latency_ms: fiberyLatencyMs };
    await writePrivateFileAtomic(this.deps.registryFile, `${JSON.stringify(registry, null, 2)}\n`);
    // The log gets the URLs, never the tokens.
    this.deps.log(`sandbox for ${datasetPath} (Fibery latency ${fiberyLatencyMs} ms): Toggl ${sandbox.toggl.url}, Fibery ${sandbox.fibery.url}, task queue ${queue}`);
    return {
      sandbox,
      answer: { task_queue: queue, dataset_name: sandbox.dataset.name, fibery_latency_ms: fiberyLatencyMs, toggl_url: sandbox.toggl.url, fibery_url: sandbox.fibery.url },
    };
  }

  private async readRegistry(): Promise<Registry> {
    try {
      return JSON.parse(await readFile(this.deps.registryFile, 'utf8')) as Registry;
    } catch {
      return {};
    }
  }
}
