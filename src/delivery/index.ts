/**
 * Delivering a finished run's digest: one plain async function per channel, each
 * `(input, env, signal) → DeliveryRecord`, for an activity (or a command) to call. A failure is a
 * record, never a thrown error; only a cancellation through `signal` is thrown.
 */
import { deliverEmail } from './email.js';
import { deliverFibery } from './fibery.js';
import type { DeliveryChannel, Deliverer, DeliveryInput, DeliveryRecord } from './record.js';
import { deliverSlack } from './slack.js';

export { deliverEmail, deliverFibery, deliverSlack };
export { loadDigest, type Digest, type Risk } from './digest.js';
export type { Change, Comparison } from './changes.js';
export {
  DELIVERY_CHANNELS,
  DeliveryRecordSchema,
  parseChannels,
  type DeliveryChannel,
  type Deliverer,
  type DeliveryInput,
  type DeliveryRecord,
} from './record.js';
export { SECRET_ENV } from './secrets.js';

export const DELIVERERS: Record<DeliveryChannel, Deliverer> = {
  slack: deliverSlack,
  email: deliverEmail,
  fibery: deliverFibery,
};

/** The channels one after another (for `volt-agent deliver`); each gets its own record. */
export async function deliverTo(channels: readonly DeliveryChannel[], input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DeliveryRecord[]> {
  const records: DeliveryRecord[] = [];
  for (const channel of channels) records.push(await DELIVERERS[channel](input, env, signal));
  return records;
}
