/**
 * Whether a task queue is split into partitions on this server. A cap on an API queue's activity
 * rate (VOLT_WORKER_*_REQUESTS_PER_SECOND) is split across the queue's partitions: with the default
 * four, a cap of "1 per second" gets its activities 1–4 s apart. (The API budgets themselves come
 * from the budget workflow, src/workflows/api-budget.ts, and hold on any server.) A worker polls every partition of a partitioned queue,
 * and the server reports those polls on the partition's own name (`/_sys/<queue>/1`): pollers there
 * mean more than one partition. Measured on the Temporal CLI's dev server: pollers on `/_sys/q/1..3`
 * with the default settings, none with `matching.numTaskqueue{Read,Write}Partitions=1`.
 */
import type { NativeConnection } from '@temporalio/worker';

const ACTIVITY_QUEUE = 2; // temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
const NORMAL_KIND = 1; // TaskQueueKind.TASK_QUEUE_KIND_NORMAL

/**
 * The queues of `queues` with pollers on a partition other than the first, asked every `everyMs`
 * for `withinMs`: an idle poll waits up to a minute on the partition it chose, so a worker with few
 * pollers reaches the others only after a while.
 */
export async function partitionedQueues(connection: NativeConnection, namespace: string, queues: readonly string[], opts = { withinMs: 75_000, everyMs: 2000 }): Promise<string[]> {
  const found = new Set<string>();
  const deadline = Date.now() + opts.withinMs;
  while (Date.now() < deadline && found.size < queues.length) {
    for (const queue of queues) {
      if (found.has(queue)) continue;
      for (const partition of [1, 2, 3]) {
        const answer = await connection.workflowService
          .describeTaskQueue({ namespace, taskQueue: { name: `/_sys/${queue}/${partition}`, kind: NORMAL_KIND }, taskQueueType: ACTIVITY_QUEUE })
          .catch(() => null);
        if ((answer?.pollers?.length ?? 0) > 0) found.add(queue);
      }
    }
    if (found.size < queues.length) await new Promise((resolve) => setTimeout(resolve, opts.everyMs));
  }
  return queues.filter((q) => found.has(q));
}
