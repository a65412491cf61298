/**
 * The API budget workflow, on a dev server with its default four partitions a task queue (where the
 * server's own queue rates fell apart): slots from several callers at once are an interval apart and
 * never more than `perSecond` in a window, a token's and a workspace's budgets together, across a
 * continue-as-new, and after a quiet spell ended the workflow.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { rateOf, type Rate } from '../src/http/slots.js';
import { workflowBundle } from '../src/worker.js';
import type { ApiBudgetInput } from '../src/workflows/api-budget.js';
import { API_BUDGET_WORKFLOW_TYPE, apiBudgetWorkflowId, reserveSlotUpdate, type SlotGrant } from '../src/workflows/contract.js';
import { startTestTemporal, type TestTemporal } from './support/temporal.js';

const QUEUE = 'budget-test';
let temporal: TestTemporal;
let running: Promise<void>;
let worker: Worker;

before(async () => {
  temporal = await startTestTemporal({ partitions: 'server-default' });
  worker = await Worker.create({ connection: temporal.nativeConnection, namespace: temporal.server.namespace, taskQueue: QUEUE, workflowBundle: await workflowBundle() });
  running = worker.run();
});
after(async () => {
  worker?.shutdown();
  await running;
  await temporal?.stop();
});

let budgets = 0;
/** A budget workflow of its own for one test. */
const newBudget = () => apiBudgetWorkflowId(QUEUE, `test${++budgets}`);

function reserve(workflowId: string, buckets: { bucket: string; rate: Rate }[], input: ApiBudgetInput = {}): Promise<SlotGrant> {
  const start = new WithStartWorkflowOperation(API_BUDGET_WORKFLOW_TYPE, { workflowId, taskQueue: QUEUE, workflowIdConflictPolicy: 'USE_EXISTING', args: [input] });
  return temporal.client.workflow.executeUpdateWithStart(reserveSlotUpdate, { args: [{ buckets }], startWorkflowOperation: start });
}

/** The smallest span of `n` consecutive slots. */
const tightest = (slots: number[], n: number) => Math.min(...slots.slice(n - 1).map((s, i) => s - slots[i]!));

test('callers at once get slots an interval apart, never more than perSecond in one second', async () => {
  const id = newBudget();
  const rate = rateOf(3);
  const grants = await Promise.all(Array.from({ length: 8 }, () => reserve(id, [{ bucket: 'token:a', rate }])));
  const slots = grants.map((g) => g.slot_at).sort((a, b) => a - b);
  assert.ok(tightest(slots, 2) >= rate.intervalMs, `slots ${slots.map((s) => s - slots[0]!).join(', ')}`);
  assert.ok(tightest(slots, 4) > 1000, `four slots within ${tightest(slots, 4)} ms`);
  assert.equal(Math.min(...grants.map((g) => g.wait_ms)), 0, 'the first caller waits for nothing');
});

test("a request counts against its token's budget and the workspace's: the later slot of both", async () => {
  const id = newBudget();
  const token = rateOf(3);
  const workspace = rateOf(4);
  const grants = await Promise.all(
    Array.from({ length: 10 }, (_, i) => reserve(id, [{ bucket: `token:${i % 2 ? 'a' : 'b'}`, rate: token }, { bucket: 'workspace:w', rate: workspace }])),
  );
  const slots = grants.map((g) => g.slot_at).sort((a, b) => a - b);
  // Two tokens at 3/s would allow six a second; the workspace allows four.
  assert.ok(tightest(slots, 5) > 1000, `five slots of one workspace within ${tightest(slots, 5)} ms`);
  assert.ok(tightest(slots, 2) >= workspace.intervalMs);
});

test('the budget holds across a continue-as-new', async () => {
  const id = newBudget();
  const rate = rateOf(1);
  const slots: number[] = [];
  for (let i = 0; i < 5; i++) slots.push((await reserve(id, [{ bucket: 'token:a', rate }], { grants_per_run: 2 })).slot_at);
  assert.ok(tightest(slots, 2) >= rate.intervalMs, `slots ${slots.map((s) => s - slots[0]!).join(', ')}`);
  const latest = await temporal.client.workflow.getHandle(id).fetchHistory();
  assert.ok(latest.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId, 'the last grant came from an execution continued as new');
});

test('a quiet spell ends the workflow; the next request starts it again', async () => {
  const id = newBudget();
  const rate = rateOf(1);
  const first = await reserve(id, [{ bucket: 'token:a', rate }], { quiet_ms: 300 });
  const handle = temporal.client.workflow.getHandle(id);
  await handle.result();
  const next = await reserve(id, [{ bucket: 'token:a', rate }], { quiet_ms: 300 });
  assert.equal(next.wait_ms, 0);
  assert.ok(next.slot_at >= first.slot_at + rate.intervalMs, 'it ended after the budget had no slot left to keep');
});
