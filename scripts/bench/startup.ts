/**
 * How long `volt-agent --help` takes, set against its physical limit: a bare `node -e ''` started
 * the same way. The two are interleaved so that a busy machine slows both alike.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface StartupFigures {
  runs: number;
  help_median_ms: number;
  bare_node_median_ms: number;
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function measureStartup(bin: string, runs = 10): Promise<StartupFigures> {
  const help: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    help.push(await timed(() => exec(process.execPath, [bin, '--help'])));
    bare.push(await timed(() => exec(process.execPath, ['-e', ''])));
  }
  return { runs, help_median_ms: Math.round(median(help)), bare_node_median_ms: Math.round(median(bare)) };
}
