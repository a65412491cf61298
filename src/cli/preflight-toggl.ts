/**
 * What only the Toggl API can tell, asked before anything is created: whether the token works and
 * whether every `--users` email belongs to the workspace, with the users request a run makes
 * anyway. Only in the embedded mode, where this process holds the workers' tokens; with a server
 * of your own the worker's first Toggl activity fails the run at once with the same line.
 * With `--sandbox` (and in `demo`) the emails are checked against the dataset the simulator serves.
 */
import type { Env } from '../config/env.js';
import { ApiError, EnvironmentError, ValidationError } from '../errors.js';
import type { TogglUser } from '../toggl/client.js';
import { unknownUsers, unknownUsersLine } from '../toggl/users.js';
import { accessProblem, wrongToken } from '../http/access.js';
import { externalServer } from './connect.js';
import type { RunRequest } from './preflight.js';

export async function preflightTogglAccess(request: Pick<RunRequest, 'sandbox' | 'datasetPath' | 'users' | 'startFrom'>, env: Env): Promise<void> {
  if (request.startFrom === 'fibery' || externalServer(env) !== null) return;
  if (request.sandbox) {
    if (!request.users) return;
    const [{ loadDataset }, { SAMPLE_DATASET_PATH }] = await Promise.all([import('../sandbox/dataset.js'), import('../sandbox/dataset-info.js')]);
    const dataset = await loadDataset(request.datasetPath ?? SAMPLE_DATASET_PATH);
    const unknown = unknownUsers(request.users, dataset.toggl.users);
    if (unknown.length) throw new ValidationError(unknownUsersLine(unknown, dataset.toggl.workspace_id));
    return;
  }
  const [{ togglSettings }, { TogglClient }] = await Promise.all([import('../config/env.js'), import('../toggl/client.js')]);
  const settings = togglSettings(env);
  const client = new TogglClient({ apiToken: settings.apiToken, workspaceId: settings.workspaceId, maxRetries: 2, ...(settings.apiUrl ? { baseUrl: settings.apiUrl } : {}) });
  let users: TogglUser[];
  try {
    users = await client.listWorkspaceUsers();
  } catch (error) {
    // A token that may not list users (403) still runs: the report rows carry the names.
    if (error instanceof ApiError && (error.status === 403 || error.status === 404) && !wrongToken(error)) return;
    const line = accessProblem(error);
    if (line && error instanceof ApiError && error.status === 0) throw new EnvironmentError(line);
    if (line) throw new ValidationError(line);
    throw error;
  }
  const unknown = unknownUsers(request.users, users);
  if (unknown.length) throw new ValidationError(unknownUsersLine(unknown, settings.workspaceId));
}
