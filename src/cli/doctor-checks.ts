/**
 * The checks of `volt-agent doctor`: a setup against the live APIs, without starting a run. Each
 * check is one registered value (name and function); each finding is one line, `ok`, `problem`
 * or `skipped`, and a problem is either the configuration's (exit 2) or the environment's (exit 3).
 */
import path from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import type { EnrichmentConfig } from '../config/enrichment-config.js';
import type { Env } from '../config/env.js';
import { ApiError, EnvironmentError, QuotaExhaustedError, ValidationError } from '../errors.js';
import type { WorkspaceSchema } from '../fibery/workspace-schema.js';
import { accessProblem } from '../http/access.js';

export type Kind = 'configuration' | 'environment';

export interface Finding {
  check: string;
  status: 'ok' | 'problem' | 'skipped';
  /** For a problem: whose fix it is. */
  kind?: Kind;
  message: string;
}

/** What the checks learn and share: the config once loaded, the Fibery schema once read. */
export interface DoctorState {
  env: Env;
  configDir: string;
  app: AppConfig | null;
  enrichment: EnrichmentConfig | null;
  schema: WorkspaceSchema | null;
}

type Check = (state: DoctorState) => Promise<Finding[]>;

const ok = (check: string, message: string): Finding => ({ check, status: 'ok', message });
const skipped = (check: string, message: string): Finding => ({ check, status: 'skipped', message });
const problem = (check: string, kind: Kind, message: string): Finding => ({ check, status: 'problem', kind, message });

/** A thrown error as a finding: bad input is the configuration's, an unreachable or refusing API the environment's. */
function findingOf(check: string, error: unknown): Finding {
  const access = accessProblem(error);
  if (access) return problem(check, 'environment', access);
  if (error instanceof ValidationError) return problem(check, 'configuration', error.message.split('\n').join('; '));
  if (error instanceof EnvironmentError) return problem(check, 'environment', error.message.split('\n').join('; '));
  if (error instanceof QuotaExhaustedError) return problem(check, 'environment', `${error.api}: the hourly quota is used up; it frees a request in ${Math.ceil(error.resetInMs / 1000)} s`);
  if (error instanceof ApiError) return problem(check, 'environment', error.message);
  throw error;
}

async function guarded(check: string, work: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await work();
  } catch (error) {
    return [findingOf(check, error)];
  }
}

const config: Check = (state) =>
  guarded('config', async () => {
    const [{ loadAppConfig }, { loadEnrichmentConfig }, { validatePrompts }] = await Promise.all([
      import('../config/app-config.js'),
      import('../config/enrichment-config.js'),
      import('../reports/prompts.js'),
    ]);
    state.app = await loadAppConfig(state.configDir, null);
    state.enrichment = await loadEnrichmentConfig(path.join(state.configDir, 'enrichment_config.yaml'), state.app.enrichment);
    await validatePrompts(state.configDir);
    return [ok('config', `${state.configDir}: config.yaml, enrichment_config.yaml and the prompts are valid`)];
  });

const toggl: Check = (state) =>
  guarded('toggl', async () => {
    const [{ togglSettings }, { TogglClient }] = await Promise.all([import('../config/env.js'), import('../toggl/client.js')]);
    const settings = togglSettings(state.env);
    const client = new TogglClient({ apiToken: settings.apiToken, workspaceId: settings.workspaceId, maxRetries: 1, ...(settings.apiUrl ? { baseUrl: settings.apiUrl } : {}) });
    const access = await client.workspaceAccess();
    const quota =
      access.quota_remaining === null
        ? 'the answer carried no quota headers'
        : `${access.quota_remaining} requests of the hourly quota left${access.quota_reset_ms !== null ? ` (the window frees one in ${Math.ceil(access.quota_reset_ms / 1000)} s)` : ''}`;
    return [ok('toggl', `the token works for workspace ${settings.workspaceId} (${access.users.length} users)`), ok('toggl-quota', quota)];
  });

const fibery: Check = (state) =>
  guarded('fibery', async () => {
    const [{ fiberySettings }, { FiberyClient }] = await Promise.all([import('../config/env.js'), import('../fibery/client.js')]);
    const settings = fiberySettings(state.env);
    const client = new FiberyClient({ token: settings.apiToken, maxRetries: 1, ...(settings.apiUrl ? { baseUrl: settings.apiUrl } : { workspace: settings.workspace! }) });
    state.schema = await client.workspaceSchema();
    return [ok('fibery', `the token works: the workspace has ${state.schema.types.size} database types`)];
  });

/** Every configured type and field exists; a missing one is one line with the nearest real names. */
const types: Check = async (state) => {
  if (!state.enrichment) return [skipped('types', 'the enrichment config could not be read')];
  if (!state.schema) return [skipped('types', 'the Fibery schema could not be read')];
  const schema = state.schema;
  const findings: Finding[] = [];
  for (const [key, entry] of Object.entries(state.enrichment.enrichment_activities)) {
    if (key === 'default') continue;
    if (!schema.type(key)) {
      const near = schema.nearestTypes(key);
      findings.push(problem('types', 'configuration', `the workspace has no type "${key}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''}`));
      continue;
    }
    const missing = entry.fields.filter((f) => !schema.field(key, f));
    for (const f of missing) {
      const near = schema.nearestFields(key, f);
      findings.push(problem('types', 'configuration', `${key} has no field "${f}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''}`));
    }
    if (missing.length === 0) findings.push(ok('types', `${key}: the type and its ${entry.fields.length} fields exist`));
  }
  const delivery = state.app?.delivery.fibery;
  if (delivery?.type) {
    const t = schema.type(delivery.type);
    if (!t) findings.push(problem('types', 'configuration', `delivery.fibery.type: the workspace has no type "${delivery.type}" (the digest goes there with --deliver fibery)`));
    else if (delivery.field && !schema.field(delivery.type, delivery.field)) findings.push(problem('types', 'configuration', `delivery.fibery.field: ${delivery.type} has no field "${delivery.field}"`));
  }
  return findings;
};

/** How each provider's models list is asked for: a request that proves the key and costs no tokens. */
const MODELS_REQUEST: Record<import('../llm/providers/index.js').LlmProviderName, (base: string, key: string | undefined) => { url: string; headers: Record<string, string> }> = {
  openai: (base, key) => ({ url: `${base.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/models`, headers: key ? { Authorization: `Bearer ${key}` } : ({} as Record<string, string>) }),
  anthropic: (base, key) => ({ url: `${base.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/models`, headers: { 'x-api-key': key ?? '', 'anthropic-version': '2023-06-01' } }),
};

const llm: Check = (state) =>
  guarded('llm', async () => {
    if (!state.app) return [skipped('llm', 'the config could not be read')];
    const [{ resolveLlmSettings }, { PROVIDERS }, { requestWithRetry }] = await Promise.all([import('../llm/client.js'), import('../llm/providers/index.js'), import('../http/request.js')]);
    const settings = resolveLlmSettings(state.env.raw, state.app.llm);
    if (!settings) return [skipped('llm', 'no LLM configured: reports are written without a narrative')];
    const provider = PROVIDERS[settings.provider];
    const key = state.env.raw[provider.keyVariable]?.trim() || undefined;
    const request = MODELS_REQUEST[settings.provider](settings.baseUrl ?? provider.defaultBaseUrl, key);
    await requestWithRetry({ api: provider.serverName(settings.baseUrl), url: request.url, init: { method: 'GET', headers: request.headers }, maxRetries: 1, read: async () => null });
    return [ok('llm', `${settings.provider} answers with this key (model ${settings.model})`)];
  });

const temporal: Check = (state) =>
  guarded('temporal', async () => {
    const { externalServer } = await import('./connect.js');
    const external = externalServer(state.env);
    if (external) {
      const { connectClient } = await import('../temporal/connection.js');
      const connection = await connectClient(external, `is the server running? Or unset TEMPORAL_ADDRESS to use the embedded one (settings from ${external.source})`);
      await connection.close();
      return [ok('temporal', `the server at ${external.address} answers (namespace ${external.namespace})`)];
    }
    const { findTemporalBinary } = await import('../temporal/binary.js');
    const binary = await findTemporalBinary({ env: state.env.raw });
    return [binary ? ok('temporal', `embedded mode: the temporal CLI is at ${binary}`) : ok('temporal', 'embedded mode: the temporal CLI is installed into the tools directory on the first run')];
  });

const delivery: Check = (state) =>
  guarded('delivery', async () => {
    const { requiredUrl, requiredEnv } = await import('../delivery/settings.js');
    const findings: Finding[] = [];
    const raw = state.env.raw;
    const attempt = (what: string, work: () => unknown) => {
      try {
        work();
      } catch (error) {
        findings.push(problem('delivery', 'configuration', `${what}: ${(error as Error).message}`));
      }
    };
    const configured: string[] = [];
    if (raw.VOLT_SLACK_WEBHOOK_URL) {
      configured.push('slack');
      attempt('slack', () => requiredUrl(raw, 'VOLT_SLACK_WEBHOOK_URL', 'the Slack incoming webhook'));
    }
    if (raw.VOLT_SMTP_URL || raw.VOLT_MAIL_FROM || raw.VOLT_MAIL_TO) {
      configured.push('email');
      attempt('email', () => requiredUrl(raw, 'VOLT_SMTP_URL', 'the SMTP server, like smtp://user:pass@host:587', ['smtp:', 'smtps:']));
      attempt('email', () => requiredEnv(raw, 'VOLT_MAIL_FROM', 'the sender address of the digest'));
      attempt('email', () => requiredEnv(raw, 'VOLT_MAIL_TO', 'the comma-separated recipients of the digest'));
    }
    if (state.app?.delivery.fibery.type) configured.push(`fibery (${state.app.delivery.fibery.type})`);
    if (findings.length === 0) findings.push(configured.length ? ok('delivery', `--deliver can use: ${configured.join(', ')}`) : skipped('delivery', 'no delivery channel configured'));
    return findings;
  });

/** In order: what later checks need comes first. */
export const DOCTOR_CHECKS: readonly Check[] = [config, toggl, fibery, types, llm, temporal, delivery];

export function exitCodeOf(findings: readonly Finding[]): 0 | 2 | 3 {
  if (findings.some((f) => f.status === 'problem' && f.kind === 'configuration')) return 2;
  if (findings.some((f) => f.status === 'problem')) return 3;
  return 0;
}
