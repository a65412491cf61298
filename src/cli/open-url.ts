/** Opening a URL in the user's browser, where there is one. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cliSettings, type Env } from '../config/env.js';

function onPath(command: string, raw: NodeJS.ProcessEnv): boolean {
  return (raw.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

/** The command that opens a URL here, or null (no display, no opener, or VOLT_NO_BROWSER set). */
export function browserOpener(env: Env): { command: string; args: string[] } | null {
  if (cliSettings(env).noBrowser) return null;
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  if (!env.raw.DISPLAY && !env.raw.WAYLAND_DISPLAY) return null;
  return onPath('xdg-open', env.raw) ? { command: 'xdg-open', args: [] } : null;
}

/** Tries to open `url`; true when a browser was asked to. */
export function openUrl(url: string, env: Env): boolean {
  const opener = browserOpener(env);
  if (!opener) return false;
  try {
    const child = spawn(opener.command, [...opener.args, url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
