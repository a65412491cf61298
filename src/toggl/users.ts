/** `--users` against the workspace's users: the one line both the CLI and the Toggl activity say. */
import type { TogglUser } from './client.js';

export function unknownUsers(wanted: readonly string[] | null, users: readonly Pick<TogglUser, 'email'>[]): string[] {
  const known = new Set(users.map((u) => u.email.toLowerCase()));
  return (wanted ?? []).filter((e) => !known.has(e.toLowerCase()));
}

export function unknownUsersLine(unknown: readonly string[], workspaceId: string | number): string {
  return `no Toggl user with email ${unknown.join(', ')} in workspace ${workspaceId}; check --users (volt-agent init lists the workspace's people)`;
}
