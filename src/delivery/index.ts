/**
 * Delivering a finished run's digest through a registered channel (./channels/): its settings,
 * the run's digest, its message, sent; for an activity (or a command) to call. A failure is a
 * record, never a thrown error; only a cancellation through `signal` is thrown.
 */
import type { DeliveryConfig } from '../config/app-config.js';
import type { Channel, FailureNotice } from './channel.js';
import { CHANNELS, type ChannelName } from './channels/index.js';
import { recordDelivery, type DeliveryInput, type DeliveryRecord } from './record.js';
import { loadDeliveredRun } from './run-digest.js';
import { redactorFor } from './secrets.js';
import { retryPolicy } from './settings.js';

export { CHANNEL_NAMES, CHANNELS, type ChannelName } from './channels/index.js';
export type { Channel, DeliveredRun, FailureNotice } from './channel.js';
export { DeliveryRecordSchema, parseChannels, type DeliveryChannel, type DeliveryInput, type DeliveryRecord } from './record.js';
export { SECRET_ENV } from './secrets.js';

/** One channel's delivery of one run: settings first (a missing one is the record's one line), then the digest. */
export async function deliverWith<S, M>(channel: Channel<ChannelName, S, M>, input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord> {
  return recordDelivery(channel.name, redactorFor(env), signal, async () => {
    const settings = await channel.settings(env, input.config);
    const message = await channel.renderDigest(await loadDeliveredRun(input.runDir));
    return channel.send(settings, message, { policy: retryPolicy(input.config), signal });
  });
}

/** A scheduled run's failure notice through one channel: its settings, `renderFailure`, its `send`; the record says it was a notice. */
export async function notifyWith<S, M>(channel: Channel<ChannelName, S, M>, notice: FailureNotice, config: DeliveryConfig, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord> {
  return recordDelivery(channel.name, redactorFor(env), signal, async () => {
    const settings = await channel.settings(env, config);
    const detail = await channel.send(settings, await channel.renderFailure(notice), { policy: retryPolicy(config), signal });
    return { kind: 'failure_notice', ...detail };
  });
}

export function notify(name: ChannelName, notice: FailureNotice, config: DeliveryConfig, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord> {
  return notifyWith(CHANNELS[name], notice, config, env, signal);
}

export function deliver(name: ChannelName, input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord> {
  return deliverWith(CHANNELS[name], input, env, signal);
}

/** The channels one after another; each gets its own record. */
export async function deliverTo(channels: readonly ChannelName[], input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord[]> {
  const records: DeliveryRecord[] = [];
  for (const name of channels) records.push(await deliver(name, input, env, signal));
  return records;
}
