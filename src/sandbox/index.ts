/**
 * The sandbox: Toggl and Fibery simulators (and optionally an LLM simulator) serving one dataset,
 * with the environment variables that point the real clients at them.
 */
import { randomBytes } from 'node:crypto';
import { loadDataset, type Dataset } from './dataset.js';
import { SAMPLE_DATASET_PATH } from './dataset-info.js';
import { startTogglServer, type TogglFaults, type TogglServer, type TogglServerOptions } from './toggl-server.js';
import { startFiberyServer, type FiberyFaults, type FiberyServer, type FiberyServerOptions } from './fibery-server.js';
import { startLlmServer, type LlmServer, type LlmServerOptions } from './llm-server.js';

export * from './dataset.js';
export * from './toggl-server.js';
export * from './fibery-server.js';
export * from './llm-server.js';

export { SAMPLE_DATASET_PATH, DatasetPeriodSchema } from './dataset-info.js';

export interface SandboxOptions {
  /** Dataset file; default: the built-in sample. */
  datasetPath?: string;
  /** An already loaded dataset (wins over datasetPath). */
  dataset?: Dataset;
  faults?: { toggl?: TogglFaults; fibery?: FiberyFaults };
  fiberyLatencyMs?: number;
  /** Extra simulator options (UNCONFIRMED behaviours, quotas, page sizes...). */
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
  /** TOGGL_API_URL, TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID, FIBERY_API_URL, FIBERY_API_TOKEN, FIBERY_WORKSPACE (+ LLM variables with `llm`). */
  env: Record<string, string>;
  close(): Promise<void>;
}

const newToken = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const datasetPath = opts.dataset ? (opts.datasetPath ?? null) : (opts.datasetPath ?? SAMPLE_DATASET_PATH);
  const dataset = opts.dataset ?? (await loadDataset(datasetPath!));
  const togglToken = newToken('sandbox-toggl-');
  const fiberyToken = newToken('sandbox-fibery-');

  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.map((s) => s.close()));
  };
  try {
    const toggl = await startTogglServer({
      ...opts.togglOptions,
      dataset,
      token: togglToken,
      ...(opts.faults?.toggl ? { faults: opts.faults.toggl } : {}),
    });
    started.push(toggl);
    const fibery = await startFiberyServer({
      ...opts.fiberyOptions,
      dataset,
      token: fiberyToken,
      ...(opts.fiberyLatencyMs !== undefined ? { latencyMs: opts.fiberyLatencyMs } : {}),
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
      const server = await startLlmServer({ ...(typeof opts.llm === 'object' ? opts.llm : {}), apiKey });
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
      env,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
