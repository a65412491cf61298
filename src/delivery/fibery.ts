/**
 * Publishing the Fibery channel's document: the team report as an entity of
 * `delivery.fibery.type`, its markdown in the rich-text field `delivery.fibery.field`. Three requests: `fibery.entity/create` and
 * `fibery.entity/query` (the field's document secret) on the commands API, then
 * `PUT /api/documents/{secret}?format=md` on the documents API. 429/5xx are retried inside; a
 * refused command fails at once with Fibery's own message.
 */
import { z } from 'zod';
import type { DeliveryConfig } from '../config/app-config.js';
import { requestWithRetry } from '../http/request.js';
import { readRunConfig } from '../config/run-config.js';
import { RUN_FILES } from '../storage/json-storage.js';
import type { RunFiles } from '../storage/run-store.js';
import type { ConfiguredRates } from '../http/budgets.js';
import { paceApi } from '../http/pacer.js';
import { readJson } from '../http/json.js';
import { MissingSetting, type SentDetail } from './channel.js';
import { requiredEnv, sleep, type RetryPolicy } from './settings.js';

const SECRET_FIELD = 'Collaboration~Documents/secret';

export interface Target {
  type: string;
  /** `Space/Field` of the rich-text field. */
  field: string;
  nameField: string;
}

/** `Description` on `Reports/Weekly Report` → `Reports/Description`; a name with a `/` is used as it is. */
export function qualifiedField(type: string, field: string): string {
  return field.includes('/') ? field : `${type.slice(0, type.indexOf('/'))}/${field}`;
}

function targetOf(config: DeliveryConfig): Target {
  const { type, field, name_field } = config.fibery;
  if (!type) throw new MissingSetting('delivery.fibery.type is not set in config/config.yaml: the "Space/Type" the team report is published as');
  if (!field) throw new MissingSetting('delivery.fibery.field is not set in config/config.yaml: the rich-text field that receives the report');
  return { type, field: qualifiedField(type, field), nameField: qualifiedField(type, name_field) };
}

function baseUrlOf(env: NodeJS.ProcessEnv): string {
  const url = env.FIBERY_API_URL?.trim();
  if (url) return url.replace(/\/+$/, '');
  const workspace = requiredEnv(env, 'FIBERY_WORKSPACE', 'the Fibery account name (acme for acme.fibery.io), or set FIBERY_API_URL');
  return workspace.includes('.') ? `https://${workspace}` : `https://${workspace}.fibery.io`;
}

const CommandAnswer = z.object({ success: z.boolean(), result: z.unknown() });
const Created = z.object({ 'fibery/id': z.string(), 'fibery/public-id': z.string() }).loose();

/** A small commands/documents client: one token, one retry policy, one cancellation signal. */
class FiberyWriter {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly policy: RetryPolicy,
    private readonly signal: AbortSignal | undefined,
    private readonly rates: ConfiguredRates,
  ) {}

  private request(path: string, method: 'POST' | 'PUT', body: unknown): Promise<Response> {
    return requestWithRetry({
      api: 'Fibery',
      url: `${this.baseUrl}${path}`,
      init: {
        method,
        headers: { Authorization: `Token ${this.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        ...(this.signal ? { signal: this.signal } : {}),
      },
      maxRetries: this.policy.maxRetries,
      baseDelayMs: this.policy.baseDelayMs,
      timeoutMs: this.policy.timeoutMs,
      sleep: (ms) => sleep(ms, this.signal),
      // The same budget and rates as enrichment: Fibery counts every request of the token and the workspace.
      pace: paceApi('fibery', { token: this.token, workspace: this.baseUrl }, this.rates),
    });
  }

  /** Runs one command; a `success: false` answer becomes an error carrying Fibery's message. */
  async command<S extends z.ZodType>(command: string, args: unknown, schema: S): Promise<z.output<S>> {
    const res = await this.request('/api/commands', 'POST', [{ command, args }]);
    const [answer] = await readJson('Fibery', res, z.array(CommandAnswer).min(1), command);
    if (!answer!.success) {
      const result = answer!.result as { message?: unknown } | null;
      const reason = typeof result?.message === 'string' ? result.message : JSON.stringify(answer!.result);
      throw new Error(`Fibery refused ${command}: ${reason}`);
    }
    const parsed = schema.safeParse(answer!.result);
    if (!parsed.success) throw new Error(`Fibery returned an unexpected result from ${command}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  async putMarkdown(secret: string, content: string): Promise<void> {
    await this.request(`/api/documents/${encodeURIComponent(secret)}?format=md`, 'PUT', { content });
  }
}

async function documentSecret(writer: FiberyWriter, target: Target, entityId: string): Promise<string> {
  const rows = await writer.command(
    'fibery.entity/query',
    {
      query: {
        'q/from': target.type,
        'q/select': ['fibery/id', { [target.field]: [SECRET_FIELD] }],
        'q/where': ['=', ['fibery/id'], '$id'],
        'q/limit': 1,
      },
      params: { $id: entityId },
    },
    z.array(z.record(z.string(), z.unknown())),
  );
  const doc = rows[0]?.[target.field] as Record<string, unknown> | null | undefined;
  const secret = doc?.[SECRET_FIELD];
  if (typeof secret !== 'string' || !secret) {
    throw new Error(`Fibery created the ${target.type} entity but its field ${target.field} has no document: is it a rich-text field?`);
  }
  return secret;
}

/** The run's Fibery rates (config.yaml's `fibery`), as enrichment used them; a run without its config: the defaults. */
export async function fiberyRates(files: RunFiles): Promise<ConfiguredRates> {
  return (await files.exists(RUN_FILES.runConfig)) ? (await readRunConfig(files)).app.fibery : {};
}

export interface FiberyTarget {
  token: string;
  baseUrl: string;
  target: Target;
}

/** FIBERY_API_TOKEN, FIBERY_WORKSPACE (or FIBERY_API_URL) and `delivery.fibery`, each checked. */
export function fiberyTarget(env: NodeJS.ProcessEnv, config: DeliveryConfig): FiberyTarget {
  const token = requiredEnv(env, 'FIBERY_API_TOKEN', 'the Fibery API token that publishes the team report');
  return { token, baseUrl: baseUrlOf(env), target: targetOf(config) };
}

/** What is published: the team report, and the run's Fibery budget (one per token with its enrichment). */
export interface FiberyDocument {
  name: string;
  markdown: string;
  rates: ConfiguredRates;
}

/** Creates the entity named `name` and puts `markdown` into its rich-text field. */
export async function publish(to: FiberyTarget, document: FiberyDocument, policy: RetryPolicy, signal?: AbortSignal): Promise<SentDetail> {
  const { target } = to;
  const writer = new FiberyWriter(to.baseUrl, to.token, policy, signal, document.rates);
  const created = await writer.command('fibery.entity/create', { type: target.type, entity: { [target.nameField]: document.name } }, Created);
  const secret = await documentSecret(writer, target, created['fibery/id']);
  await writer.putMarkdown(secret, document.markdown);
  return {
    type: target.type,
    field: target.field,
    entity_id: created['fibery/id'],
    public_id: created['fibery/public-id'],
    name: document.name,
    characters: document.markdown.length,
  };
}
