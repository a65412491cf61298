/**
 * Sending a finished run's digest: each channel its own activity, one after another, each retried
 * on its own. A channel that fails comes back as a failed record (and is written to the run's
 * metadata by the activity); it never fails the workflow that asked for it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DeliveryRecord } from '../delivery/record.js';
import { regular } from './activity-options.js';
import type { DeliverReportsInput, DeliveryChannel, RunRef } from './contract.js';

export async function deliverAll(ref: RunRef, list: readonly DeliveryChannel[], heartbeatSeconds?: number): Promise<DeliveryRecord[]> {
  const channels = proxyActivities<Activities>(regular('10 minutes', { heartbeatSeconds }));
  const records: DeliveryRecord[] = [];
  for (const channel of list) {
    try {
      records.push(await channels.deliver_report({ ...ref, channel }));
    } catch (error) {
      // The activity records its own failures; this is one it could not record (a lost run directory).
      records.push({ channel, status: 'failed', at: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) });
    }
  }
  return records;
}

/** `volt-agent deliver --run-id … --to …`: the digest of a finished run, sent again. */
export async function DeliverReports(input: DeliverReportsInput): Promise<DeliveryRecord[]> {
  return deliverAll({ output_dir: input.output_dir, run_id: input.run_id }, input.channels);
}
