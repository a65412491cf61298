/**
 * Delivery: one activity call per channel, run after the reports, for any channel of the registry
 * (src/delivery/channels/). A channel that fails is recorded in run_metadata.json (`deliveries`)
 * and the run's reports stand; the secrets each channel needs come from this worker's environment only.
 */
import { deliver, type DeliveryRecord } from '../delivery/index.js';
import { isChannelName } from '../delivery/channels/index.js';
import { unknownChannel } from '../delivery/record.js';
import { ValidationError } from '../errors.js';
import { readRunConfig } from '../config/run-config.js';
import type { DeliveryChannel, RunRef } from '../workflows/contract.js';
import { updateMetadata } from './run-metadata.js';
import { runFiles, type ActivityDeps } from './context.js';
import { heartbeating } from './heartbeat.js';

export function createDeliveryActivities(deps: ActivityDeps) {
  return {
    deliver_report: (input: RunRef & { channel: DeliveryChannel }): Promise<DeliveryRecord> => heartbeating(async (signal) => {
      // The workflow cannot know the registry (it holds I/O): a name it was given is checked here.
      if (!isChannelName(input.channel)) throw new ValidationError(unknownChannel(input.channel));
      const files = runFiles(deps, input);
      const { app } = await readRunConfig(files);
      const record = await deliver(input.channel, { runDir: files, config: app.delivery }, deps.env.raw, signal);
      await updateMetadata(files, (m) => {
        m.deliveries = [...m.deliveries, record];
      }, deps.now());
      return record;
    }),
  };
}
