/**
 * What a file of runs against the simulators sets up: a Temporal dev server, an output directory
 * and the sandboxes its tests start over one dataset, all stopped and removed after the file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startSandbox, type Dataset, type Sandbox } from '../../src/sandbox/index.js';
import { startTestTemporal, type TestTemporal } from './temporal.js';

export interface SandboxFile {
  readonly temporal: TestTemporal;
  readonly outputDir: string;
  /** A sandbox over the file's dataset, without limits unless `opts` sets them. */
  sandbox(opts?: Parameters<typeof startSandbox>[0]): Promise<Sandbox>;
}

export function sandboxFile(prefix: string, dataset: Dataset): SandboxFile {
  let temporal: TestTemporal | undefined;
  let outputDir = '';
  const sandboxes: Sandbox[] = [];
  before(async () => {
    temporal = await startTestTemporal();
    outputDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  after(async () => {
    await Promise.allSettled(sandboxes.map((s) => s.close()));
    await temporal?.stop();
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });
  return {
    get temporal() {
      if (!temporal) throw new Error('the dev server starts in the before hook');
      return temporal;
    },
    get outputDir() {
      return outputDir;
    },
    async sandbox(opts = {}) {
      const s = await startSandbox({ dataset, limits: 'none', ...opts });
      sandboxes.push(s);
      return s;
    },
  };
}
