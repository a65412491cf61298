/**
 * The APIs' request budgets, in one table: per API its documented rates per token and per
 * workspace, the task queue its activities run on next to the main one, and the variable that
 * sets that queue's rate across every worker. From it come config.yaml's defaults
 * (`toggl.requests_per_second`, `fibery.requests_per_second`, `fibery.workspace_requests_per_second`),
 * the pacers of src/http/pacer.ts, the API task queues and their workers (src/worker.ts), the
 * VOLT_WORKER_*_REQUESTS_PER_SECOND variables and the simulators' limits.
 *
 * An activity that spends an API's budget says so where it is defined (`onApiQueue`); the workers
 * and the workflow's proxies (src/workflows/activity-options.ts) follow the tag, so no list of
 * activity names exists to forget one in. Safe to import from workflow code: no Node modules.
 */

export interface ApiBudget {
  /** How messages name the API. */
  label: string;
  /** Requests per second one token may send: the default of the config's `requests_per_second` and of the API queue's rate. */
  perToken: number;
  /** Requests per second the workspace takes, whatever the token; null: the API has no such limit. */
  perWorkspace: number | null;
  /** Sets the API queue's activities per second, all workers together. */
  workerVariable: `VOLT_WORKER_${string}_REQUESTS_PER_SECOND`;
  /** Activities of the API queue one worker runs at once; null: the worker's own setting (VOLT_WORKER_MAX_CONCURRENT_ACTIVITIES). */
  maxConcurrent: number | null;
}

export const API_BUDGETS = {
  /** "About one request per second per token is safe"; pages are fetched in order, two at most at once. */
  toggl: { label: 'Toggl', perToken: 1, perWorkspace: null, workerVariable: 'VOLT_WORKER_TOGGL_REQUESTS_PER_SECOND', maxConcurrent: 2 },
  /** 429 past 3 requests per second per token and 7 per workspace (sliding one-second windows). */
  fibery: { label: 'Fibery', perToken: 3, perWorkspace: 7, workerVariable: 'VOLT_WORKER_FIBERY_REQUESTS_PER_SECOND', maxConcurrent: null },
} as const satisfies Record<string, ApiBudget>;

export type ApiName = keyof typeof API_BUDGETS;
export const API_NAMES = Object.keys(API_BUDGETS) as ApiName[];

/** The variables that set the API queues' rates. */
export type ApiRateVariable = (typeof API_BUDGETS)[ApiName]['workerVariable'];

/** The API queues' activities per second, all workers together (`togglActivitiesPerSecond`, …). */
export type ApiRates = { [A in ApiName as `${A}ActivitiesPerSecond`]: number };
export const rateKey = <A extends ApiName>(api: A) => `${api}ActivitiesPerSecond` as const;

/** Each API queue at its per-token rate. */
export const DEFAULT_API_RATES = Object.fromEntries(API_NAMES.map((api) => [rateKey(api), API_BUDGETS[api].perToken])) as ApiRates;

/** A budget as config.yaml sets it for one run (absent: the table's rate). */
export interface ConfiguredRates {
  requests_per_second?: number;
  workspace_requests_per_second?: number;
}

/** The task queue of `api`'s activities, next to the main `taskQueue`. */
export const apiQueue = (taskQueue: string, api: ApiName): string => `${taskQueue}-${api}`;

// ---------------------------------------------------------------------------------------------
// Activities tagged with the API queue they run on

/** The tag `onApiQueue` puts on an activity. */
export interface OnApiQueue<A extends ApiName> {
  readonly apiQueue: A;
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** Marks `activity` as one of `api`'s: it is served by that API's queue and counts against its rate. */
export function onApiQueue<A extends ApiName, F extends AnyActivity>(api: A, activity: F): F & OnApiQueue<A> {
  return Object.assign(activity, { apiQueue: api });
}

/** The API queue `activity` was tagged with, or null (the main queue). */
export function apiQueueOf(activity: unknown): ApiName | null {
  const tag = (activity as Partial<OnApiQueue<ApiName>> | null | undefined)?.apiQueue;
  return typeof tag === 'string' && Object.hasOwn(API_BUDGETS, tag) ? tag : null;
}

/** `target`, tagged as `source` is (for wrappers of activities). */
export function withQueueOf<F extends AnyActivity>(source: unknown, target: F): F {
  const api = apiQueueOf(source);
  return api ? onApiQueue(api, target) : target;
}

/** The activities of `T` tagged with `api`. */
export type ActivitiesOn<T, A extends ApiName> = { [K in keyof T as T[K] extends OnApiQueue<A> ? K : never]: T[K] };

/** The activities of `activities` tagged with `api`. */
export function activitiesOn<T extends Record<string, unknown>>(activities: T, api: ApiName): Record<string, AnyActivity> {
  return Object.fromEntries(Object.entries(activities).filter(([, fn]) => apiQueueOf(fn) === api)) as Record<string, AnyActivity>;
}

/** The main task queue of an activity running on `taskQueue` (an API queue or the main one). */
export function mainQueueOf(taskQueue: string): string {
  const api = API_NAMES.find((name) => taskQueue.endsWith(`-${name}`));
  return api ? taskQueue.slice(0, -(api.length + 1)) : taskQueue;
}
