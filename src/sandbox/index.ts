/**
 * The sandbox: Toggl and Fibery simulators (and optionally an LLM simulator) serving one dataset,
 * with the environment variables that point the real clients at them, the limits the real APIs
 * enforce (on by default), latencies, faults and the request logs.
 */
import { randomBytes } from 'node:crypto';
import { loadDataset, type Dataset } from './dataset.js';
import { SAMPLE_DATASET_PATH } from './dataset-info.js';
import {
  startTogglServer,
  type TogglFaultRule,
  type TogglFaults,
  type TogglLogEntry,
  type TogglQuotaOptions,
  type TogglRateLimitOptions,
  type TogglServer,
  type TogglServerOptions,
} from './toggl-server.js';
import {
  FIBERY_RATE_LIMIT,
  startFiberyServer,
  type FiberyFaultRule,
  type FiberyFaults,
  type FiberyLogEntry,
  type FiberyRateLimitOptions,
  type FiberyServer,
  type FiberyServerOptions,
} from './fibery-server.js';
import { startLlmServer, type LlmFaultRule, type LlmServer, type LlmServerOptions, type RecordedLlmRequest } from './llm-server.js';

export * from './dataset.js';
export * from './toggl-server.js';
export * from './fibery-server.js';
export * from './llm-server.js';
export { FaultQueue, type CommonFault, type FaultRule, type FaultScope } from './faults.js';
export * from './request-log.js';
export * from './limits.js';
export * from './workload.js';
export { richText } from './rich-text.js';

export { SAMPLE_DATASET_PATH, DatasetPeriodSchema } from './dataset-info.js';

/** Per-API limits; what is not given stays as documented. */
export interface SandboxLimitSettings {
  toggl?: { quota?: TogglQuotaOptions | false; rateLimit?: TogglRateLimitOptions | false };
  fibery?: { rateLimit?: FiberyRateLimitOptions | false };
}

/**
 * `documented` (default): Toggl's Premium quota (600 per sliding hour, 30 for /me, 402 with the
 * quota headers) and Fibery's per-token and per-workspace limits (src/http/budgets.ts); Toggl's leaky
 * bucket stays off unless asked for. `none`: no limit at all (and no quota headers).
 */
export type SandboxLimits = 'documented' | 'none' | SandboxLimitSettings;

/** Delay per request in ms; `realistic` is about what the real APIs take. */
export type SandboxLatency = 'realistic' | 'none' | { toggl?: number; fibery?: number; llm?: number };
export const REALISTIC_LATENCY_MS = { toggl: 500, fibery: 1500, llm: 0 } as const;

export interface SandboxOptions {
  /** Dataset file; default: the built-in sample. */
  datasetPath?: string;
  /** An already loaded (or generated: generateWorkload) dataset; wins over datasetPath. */
  dataset?: Dataset;
  /** Default `documented`. */
  limits?: SandboxLimits;
  /** Default `none` (every simulator answers at once). */
  latency?: SandboxLatency;
  /** The Fibery simulator's delay per request (wins over `latency`). */
  fiberyLatencyMs?: number;
  faults?: { toggl?: TogglFaults | TogglFaultRule[]; fibery?: FiberyFaults | FiberyFaultRule[]; llm?: LlmFaultRule[] };
  /** Extra simulator options (UNCONFIRMED behaviours, page sizes...); they win over `limits`. */
  togglOptions?: Omit<TogglServerOptions, 'dataset' | 'token'>;
  fiberyOptions?: Omit<FiberyServerOptions, 'dataset' | 'token'>;
  /**
   * Also start the LLM simulator and add OPENAI_BASE_URL / OPENAI_API_KEY / ANTHROPIC_BASE_URL /
   * ANTHROPIC_API_KEY (the official SDKs' variables) to `env`. Off by default.
   */
  llm?: boolean | Omit<LlmServerOptions, 'apiKey'>;
}

export interface Sandbox {
  dataset: Dataset;
  datasetPath: string | null;
  toggl: { url: string; token: string; workspaceId: number; server: TogglServer };
  fibery: { url: string; token: string; workspace: string; server: FiberyServer };
  llm: { url: string; openaiBaseUrl: string; apiKey: string; server: LlmServer } | null;
  /** The limits and latencies in force (for a bench's critical path). */
  limits: ResolvedLimits;
  latency: { toggl: number; fibery: number; llm: number };
  /** TOGGL_API_URL, TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID, FIBERY_API_URL, FIBERY_API_TOKEN, FIBERY_WORKSPACE (+ LLM variables with `llm`). */
  env: Record<string, string>;
  /** Every request each simulator received so far. */
  requestLogs(): { toggl: TogglLogEntry[]; fibery: FiberyLogEntry[]; llm: RecordedLlmRequest[] };
  close(): Promise<void>;
}

export interface ResolvedLimits {
  toggl: { quota: TogglQuotaOptions | false; rateLimit: TogglRateLimitOptions | false };
  fibery: { rateLimit: FiberyRateLimitOptions | false };
}

const DOCUMENTED: ResolvedLimits = {
  toggl: { quota: { plan: 'premium', userLimit: 30, windowSeconds: 3600, exhaustedStatus: 402 }, rateLimit: false },
  fibery: { rateLimit: { ...FIBERY_RATE_LIMIT } },
};

export function resolveLimits(limits: SandboxLimits = 'documented'): ResolvedLimits {
  if (limits === 'none') return { toggl: { quota: false, rateLimit: false }, fibery: { rateLimit: false } };
  const documented = structuredClone(DOCUMENTED);
  if (limits === 'documented') return documented;
  const merge = <T extends object>(base: T | false, given: T | false | undefined): T | false => (given === undefined ? base : given && { ...base, ...given });
  return {
    toggl: { quota: merge(documented.toggl.quota, limits.toggl?.quota), rateLimit: limits.toggl?.rateLimit ?? false },
    fibery: { rateLimit: merge(documented.fibery.rateLimit, limits.fibery?.rateLimit) },
  };
}

function resolveLatency(opts: SandboxOptions): Sandbox['latency'] {
  const l = opts.latency ?? 'none';
  const base = l === 'realistic' ? { ...REALISTIC_LATENCY_MS } : l === 'none' ? { toggl: 0, fibery: 0, llm: 0 } : { toggl: l.toggl ?? 0, fibery: l.fibery ?? 0, llm: l.llm ?? 0 };
  return { ...base, fibery: opts.fiberyLatencyMs ?? base.fibery };
}

const newToken = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const datasetPath = opts.dataset ? (opts.datasetPath ?? null) : (opts.datasetPath ?? SAMPLE_DATASET_PATH);
  const dataset = opts.dataset ?? (await loadDataset(datasetPath!));
  const togglToken = newToken('sandbox-toggl-');
  const fiberyToken = newToken('sandbox-fibery-');
  const limits = resolveLimits(opts.limits);
  // Explicit simulator options win over `limits`, and `limits` says what is in force.
  if (opts.togglOptions?.quota !== undefined) limits.toggl.quota = opts.togglOptions.quota;
  if (opts.togglOptions?.rateLimit !== undefined) limits.toggl.rateLimit = opts.togglOptions.rateLimit;
  if (opts.fiberyOptions?.rateLimit !== undefined) limits.fibery.rateLimit = opts.fiberyOptions.rateLimit;
  const latency = resolveLatency(opts);

  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.map((s) => s.close()));
  };
  try {
    const toggl = await startTogglServer({
      quota: limits.toggl.quota,
      rateLimit: limits.toggl.rateLimit,
      latencyMs: latency.toggl,
      ...opts.togglOptions,
      dataset,
      token: togglToken,
      ...(opts.faults?.toggl ? { faults: opts.faults.toggl } : {}),
    });
    started.push(toggl);
    const fibery = await startFiberyServer({
      rateLimit: limits.fibery.rateLimit,
      latencyMs: latency.fibery,
      ...opts.fiberyOptions,
      dataset,
      token: fiberyToken,
      ...(opts.faults?.fibery ? { faults: opts.faults.fibery } : {}),
    });
    started.push(fibery);

    const env: Record<string, string> = {
      TOGGL_API_URL: toggl.url,
      TOGGL_API_TOKEN: togglToken,
      TOGGL_WORKSPACE_ID: String(dataset.toggl.workspace_id),
      FIBERY_API_URL: fibery.url,
      FIBERY_API_TOKEN: fiberyToken,
      FIBERY_WORKSPACE: dataset.fibery.workspace,
    };

    let llm: Sandbox['llm'] = null;
    if (opts.llm) {
      const apiKey = newToken('sandbox-llm-');
      const server = await startLlmServer({
        latencyMs: latency.llm,
        ...(typeof opts.llm === 'object' ? opts.llm : {}),
        ...(opts.faults?.llm ? { faults: opts.faults.llm } : {}),
        apiKey,
      });
      started.push(server);
      llm = { url: server.url, openaiBaseUrl: server.openaiBaseUrl, apiKey, server };
      Object.assign(env, { OPENAI_BASE_URL: server.openaiBaseUrl, OPENAI_API_KEY: apiKey, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: apiKey });
    }

    return {
      dataset,
      datasetPath,
      toggl: { url: toggl.url, token: togglToken, workspaceId: dataset.toggl.workspace_id, server: toggl },
      fibery: { url: fibery.url, token: fiberyToken, workspace: dataset.fibery.workspace, server: fibery },
      llm,
      limits,
      latency,
      env,
      requestLogs: () => ({ toggl: toggl.requestLog(), fibery: fibery.requestLog(), llm: llm?.server.requests() ?? [] }),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
