/**
 * What one delivery attempt left behind: a record, never an exception. The run's reports are
 * already written when a channel runs, so a channel that fails says so in its record and the run
 * goes on; only a cancellation by the caller is thrown.
 */
import type { RunFiles } from '../storage/run-store.js';
import { z } from 'zod';
import type { DeliveryConfig } from '../config/app-config.js';
import { ValidationError } from '../errors.js';
import { NothingToDeliver } from './channel.js';
import { CHANNEL_NAMES, isChannelName, type ChannelName } from './channels/index.js';
import type { Redactor } from './secrets.js';

export { MissingSetting, NothingToDeliver } from './channel.js';
export type DeliveryChannel = ChannelName;

export const DeliveryRecordSchema = z.object({
  channel: z.enum(CHANNEL_NAMES),
  status: z.enum(['sent', 'failed', 'skipped']),
  at: z.string(),
  error: z.string().nullable(),
  /** What the channel can tell without secrets: recipients, the entity created, message sizes. */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecordSchema>;
export type DeliveryDetail = NonNullable<DeliveryRecord['detail']>;

/** What every channel is given: the finished run's directory and the `delivery` settings. */
export interface DeliveryInput {
  /** The run's directory, or its files in the run store (src/storage/run-store.ts). */
  runDir: string | RunFiles;
  config: DeliveryConfig;
}

export function unknownChannel(name: string): string {
  return `unknown delivery channel "${name}": use ${CHANNEL_NAMES.join(', ')}`;
}

/** `"slack, email"` → `['slack', 'email']`; an unknown name is a ValidationError naming the accepted ones. */
export function parseChannels(text: string): DeliveryChannel[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = names.find((n) => !isChannelName(n));
  if (unknown !== undefined) throw new ValidationError(unknownChannel(unknown));
  return [...new Set(names)] as DeliveryChannel[];
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim() || (error instanceof Error ? error.name : 'unknown error');
}

/**
 * Runs one channel's work and turns its outcome into a record, with every secret the redactor
 * knows removed from the error and the detail. A cancellation by the caller is rethrown.
 */
export async function recordDelivery(
  channel: DeliveryChannel,
  redactor: Redactor,
  signal: AbortSignal | undefined,
  work: () => Promise<DeliveryDetail>,
): Promise<DeliveryRecord> {
  const record = (status: DeliveryRecord['status'], error: string | null, detail?: DeliveryDetail): DeliveryRecord => ({
    channel,
    status,
    at: new Date().toISOString(),
    error: error === null ? null : redactor.redact(error),
    ...(detail ? { detail: redactor.redactDetail(detail) } : {}),
  });
  try {
    return record('sent', null, await work());
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    if (error instanceof NothingToDeliver) return record('skipped', oneLine(error));
    return record('failed', oneLine(error));
  }
}
