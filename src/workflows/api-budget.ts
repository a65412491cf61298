/**
 * ApiBudget: one API's request budgets (each token's, each workspace's), shared by every worker and
 * every run on a task queue. An
 * activity about to send a request asks for a slot with an update (src/temporal/shared-slots.ts);
 * the answer is how long to wait. The server's own task-queue rate limits are split across a
 * queue's partitions (four by default, on a self-hosted cluster and on Temporal Cloud), which made
 * a fetch at "1 per second" get its pages 1–4 s apart; a workflow is one place whatever the
 * partitions, and an update takes milliseconds.
 *
 * It ends itself after a quiet spell (the next request starts it again, with nothing to remember)
 * and continues as new before its history grows long.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { reserveSlot, type BudgetSlots } from '../http/slots.js';
import { reserveSlotUpdate, type SlotRequest } from './contract.js';

/** A quiet spell this long ends the workflow: any budget's window is long past. */
const QUIET_MS = 2 * 60_000;
/** Grants per execution before continuing as new (each is about five history events). */
const GRANTS_PER_RUN = 500;
/** What a budget still needs after this long without a request: nothing. */
const FORGET_AFTER_MS = 10_000;

export interface ApiBudgetInput {
  /** The budgets' reservations, as the execution before this one left them. */
  buckets?: Record<string, BudgetSlots>;
  /** Tests set these lower; the defaults above otherwise. */
  grants_per_run?: number;
  quiet_ms?: number;
}

export async function ApiBudget(input: ApiBudgetInput = {}): Promise<void> {
  const buckets = input.buckets ?? {};
  const grantsPerRun = input.grants_per_run ?? GRANTS_PER_RUN;
  let granted = 0;
  setHandler(
    reserveSlotUpdate,
    (request) => {
      granted++;
      const now = Date.now();
      const slot = reserveSlot(request.buckets.map(({ bucket, rate }) => ({ slots: (buckets[bucket] ??= { nextSlot: 0, starts: [] }), rate })), now);
      return { wait_ms: slot - now, slot_at: slot };
    },
    { validator: validateRequest },
  );
  for (let seen = -1; granted !== seen; ) {
    seen = granted;
    if (await condition(() => granted >= grantsPerRun || workflowInfo().continueAsNewSuggested, input.quiet_ms ?? QUIET_MS)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof ApiBudget>({ ...input, buckets: recent(buckets, Date.now()) });
    }
  }
  await condition(allHandlersFinished);
}

function validateRequest(request: SlotRequest): void {
  const ok = Array.isArray(request?.buckets) && request.buckets.length > 0 && request.buckets.every((b) => typeof b.bucket === 'string' && b.rate?.intervalMs >= 0 && b.rate?.perSecond >= 1);
  if (!ok) throw new Error('a slot request names its buckets and their rates');
}

/** The budgets that still matter to the next execution: those used in the last few seconds. */
function recent(buckets: Record<string, BudgetSlots>, now: number): Record<string, BudgetSlots> {
  const live = Object.entries(buckets).filter(([, slots]) => slots.nextSlot > now - FORGET_AFTER_MS);
  return Object.fromEntries(live.map(([bucket, slots]) => [bucket, { nextSlot: slots.nextSlot, starts: slots.starts.slice(-64) }]));
}
