/**
 * Delivery: one activity call per channel, run after the reports, for any channel of the registry
 * (src/delivery/channels/). A channel that fails is recorded in run_metadata.json (`deliveries`)
 * and the run's reports stand; the secrets each channel needs come from this worker's environment only.
 * A scheduled run that failed sends each channel's failure notice instead, recorded the same way.
 */
import { Context } from '@temporalio/activity';
import { deliver, notify, type DeliveryRecord, type FailureNotice } from '../delivery/index.js';
import { isChannelName } from '../delivery/channels/index.js';
import { unknownChannel } from '../delivery/record.js';
import { ValidationError } from '../errors.js';
import { AppConfigSchema, type DeliveryConfig } from '../config/app-config.js';
import { readRunConfig } from '../config/run-config.js';
import { workflowIdFor, type DeliveryChannel, type RunRef } from '../workflows/contract.js';
import type { RunFiles } from '../storage/run-store.js';
import { readMetadata, updateMetadata } from './run-metadata.js';
import { runFiles, type ActivityDeps } from './context.js';
import { heartbeating } from './heartbeat.js';
import { countDelivery } from '../metrics/activity.js';

export interface FailureNoticeInput extends RunRef {
  channel: DeliveryChannel;
  schedule_id: string;
  period: FailureNotice['period'];
  /** The failure as the workflow saw it; run_metadata.json's error, when the run wrote one, is preferred. */
  error: string;
}

const DEFAULT_UI_URL = 'http://localhost:8080';

/** The run's own delivery settings, else the defaults (a run that failed before it saved them). */
async function deliveryConfig(files: RunFiles): Promise<DeliveryConfig> {
  return readRunConfig(files)
    .then((c) => c.app.delivery)
    .catch(() => AppConfigSchema.parse({}).delivery);
}

export function createDeliveryActivities(deps: ActivityDeps) {
  return {
    deliver_report: (input: RunRef & { channel: DeliveryChannel }): Promise<DeliveryRecord> => heartbeating(async (signal) => {
      // The workflow cannot know the registry (it holds I/O): a name it was given is checked here.
      if (!isChannelName(input.channel)) throw new ValidationError(unknownChannel(input.channel));
      const files = runFiles(deps, input);
      const { app } = await readRunConfig(files);
      const record = await deliver(input.channel, { runDir: files, config: app.delivery }, deps.env.raw, signal);
      countDelivery(record.channel, record.status);
      await updateMetadata(files, (m) => {
        m.deliveries = [...m.deliveries, record];
      }, deps.now());
      return record;
    }),

    send_failure_notice: (input: FailureNoticeInput): Promise<DeliveryRecord> => heartbeating(async (signal) => {
      if (!isChannelName(input.channel)) throw new ValidationError(unknownChannel(input.channel));
      const files = runFiles(deps, input);
      const metadata = await readMetadata(files).catch(() => null);
      const ui = (deps.env.TEMPORAL_UI_URL ?? DEFAULT_UI_URL).replace(/\/+$/, '');
      const namespace = Context.current().info.workflowNamespace ?? 'default';
      const notice: FailureNotice = {
        schedule_id: input.schedule_id,
        run_id: input.run_id,
        run_dir: files.location,
        files,
        output_dir: input.output_dir,
        period: input.period,
        stage: metadata?.error?.stage ?? null,
        activity: metadata?.error?.activity ?? null,
        error: metadata?.error?.message ?? input.error,
        ui_url: `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowIdFor(input.run_id))}`,
      };
      const record = await notify(input.channel, notice, await deliveryConfig(files), deps.env.raw, signal);
      countDelivery(record.channel, record.status);
      // A run that failed before it opened has no metadata to record it in.
      if (metadata) {
        await updateMetadata(files, (m) => {
          m.deliveries = [...m.deliveries, record];
        }, deps.now());
      }
      return record;
    }),
  };
}
