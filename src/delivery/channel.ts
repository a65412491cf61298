/**
 * The shape of a delivery channel (src/delivery/channels/<name>.ts), one value per channel:
 * its name, the environment variables holding its credentials, how it reads its settings, and how
 * it turns a finished run's digest into its own message and sends it. Rendering and sending are
 * apart so that another kind of message (a notice that a scheduled run failed, say) can be one
 * more `render…` next to `renderDigest`, sent by the same `send`.
 *
 * This module and the channel files are loaded by `--help` (the CLI lists the channels), so they
 * import only types at the top; a channel loads its implementation when it is used.
 */
import type { DeliveryConfig } from '../config/app-config.js';
import type { Digest } from '../reports/digest.js';
import type { RunFiles } from '../storage/run-store.js';
import type { RetryPolicy } from './settings.js';

/** What a channel is told about the run it delivers: the digest and where the reports are. */
export interface DeliveredRun {
  run: { id: string; status: string };
  digest: Digest;
  /** Absolute paths: the run directory and its team report (HTML where it was written). */
  reports: { dir: string; markdown: string; html: string | null };
}

/** What a channel says it did, without secrets: recipients, the entity created, sizes. */
export type SentDetail = Record<string, string | number | boolean | null>;

/** A scheduled run that failed: what its notice says (src/delivery/failure-notice.ts builds the texts). */
export interface FailureNotice {
  schedule_id: string;
  run_id: string;
  /** Where the run is, for people: its directory or `s3://bucket/prefix/run_id` (it may hold no report, or nothing at all). */
  run_dir: string;
  /** The run's files in the run store, when a worker sends the notice (a channel may read the run's own settings). */
  files?: RunFiles;
  output_dir: string;
  period: { start_date: string; end_date: string };
  /** Where it failed, as run_metadata.json says (null when the run never opened). */
  stage: string | null;
  activity: string | null;
  error: string;
  /** The run's page in the Temporal UI. */
  ui_url: string;
}

export interface SendContext {
  policy: RetryPolicy;
  signal?: AbortSignal | undefined;
}

export interface Channel<N extends string = string, S = unknown, M = unknown> {
  /** As `--deliver` and the records name it: lower case, no commas. */
  readonly name: N;
  /** What it sends where, for the help: "one Block Kit message to a Slack incoming webhook". */
  readonly summary: string;
  /** The settings it needs, for the help: "VOLT_SLACK_WEBHOOK_URL". */
  readonly needs: string;
  /** Variables whose values are credentials: removed (whole and in parts) from every record. */
  readonly secrets: readonly string[];
  /**
   * Its settings from the environment of the process that delivers and the `delivery` config;
   * what is missing or wrong is a `MissingSetting` with one line. The pre-flight check calls it too.
   */
  settings(env: NodeJS.ProcessEnv, config: DeliveryConfig): Promise<S>;
  /** The digest as this channel's message. */
  renderDigest(run: DeliveredRun): Promise<M>;
  /** A scheduled run's failure as this channel's message, sent by the same `send`. */
  renderFailure(notice: FailureNotice): Promise<M>;
  /** Sends one message; retries are its own, bounded by `policy`. */
  send(settings: S, message: M, context: SendContext): Promise<SentDetail>;
}

/** A channel value with its name, settings and message types inferred. */
export function defineChannel<N extends string, S, M>(channel: Channel<N, S, M>): Channel<N, S, M> {
  return channel;
}

/** A setting the channel cannot work without; its message is the one line the record carries. */
export class MissingSetting extends Error {
  override name = 'MissingSetting';
}

/** Nothing to send, and that is no failure (e.g. the run failed before it wrote a report). */
export class NothingToDeliver extends Error {
  override name = 'NothingToDeliver';
}
