/**
 * Workers lost mid-run, as an operator loses them: `volt-agent worker` processes on a Temporal
 * server of their own, each SIGKILLed mid-fetch, mid-enrichment and mid-reports and replaced 2 s
 * later; the run completes on the workers that replace them and fetches no page more than once more.
 * Part of `npm run test:workers` (real worker processes), not of `npm test`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateWorkload, repeatedPages } from '../../src/sandbox/index.js';
import { RunMetadataSchema } from '../../src/storage/schemas.js';
import { getProgressQuery, WORKFLOW_TYPE, workflowIdFor, type Progress } from '../../src/workflows/contract.js';
import type { TogglFiberyPipeline } from '../../src/workflows/pipeline.js';
import { HANG_GUARD_MS } from '../support/cli-process.js';
import { sandboxFile } from '../support/sandbox-file.js';

const dataset = generateWorkload({ people: 4, days: 7, previousPeriod: true, seed: 7 });
const file = sandboxFile('volt-lost-workers-', dataset);
const period = dataset.period;
const sandbox = file.sandbox;

describe('lost workers', () => {
  interface WorkerProcess {
    child: ChildProcess;
    exited: Promise<unknown>;
  }

  /** `volt-agent worker` as an operator starts it, against this file's server, with the sandbox's tokens. */
  async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [path.resolve('bin/volt-agent.js'), 'worker'], {
      env: { ...process.env, ...env, TEMPORAL_ADDRESS: file.temporal.server.address, TEMPORAL_NAMESPACE: file.temporal.server.namespace, VOLT_WORKER_TOGGL_REQUESTS_PER_SECOND: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!/Worker polling/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the worker did not start:\n${output}`);
      await sleep(100);
    }
    return { child, exited };
  }

  async function kill(worker: WorkerProcess): Promise<void> {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  test('killed mid-fetch, mid-enrichment and mid-reports, each replaced 2 s later: the run completes', async () => {
    const slow = await sandbox({
      latency: { toggl: 300, fibery: 800 },
      llm: { latencyMs: 1000 },
      togglOptions: { maxPageSize: 20 },
    });
    const runId = 'run_killed';
    const handle = await file.temporal.client.workflow.start<typeof TogglFiberyPipeline>(WORKFLOW_TYPE, {
      taskQueue: 'volt-agent-pipeline',
      workflowId: workflowIdFor(runId),
      // A fetch of a few pages that takes a few seconds, small Fibery batches.
      args: [{ ...period, run_id: runId, output_dir: file.outputDir, heartbeat_timeout_seconds: 3, config: { toggl: { requests_per_second: 4 }, enrichment: { enrichment_activities: { default: { activity: 'default_enrich_entity', max_concurrent: 2, batch_size: 5 } } } } }],
      workflowExecutionTimeout: '5 minutes',
    });
    const progress = async () => handle.query(getProgressQuery).catch(() => null);
    const until = async (what: string, ok: (p: Progress) => boolean) => {
      for (const deadline = Date.now() + HANG_GUARD_MS; Date.now() < deadline; ) {
        const p = await progress();
        if (p && ok(p)) return;
        if (p && p.status !== 'running') throw new Error(`the run ended (${p.status}) before ${what}`);
        await sleep(100);
      }
      throw new Error(`never reached ${what}`);
    };
    let worker = await startWorker(slow.env);
    const kills: string[] = [];
    for (const [what, ok] of [
      ['the fetch', (p: Progress) => p.current_activity === 'fetch_toggl_data' && (p.details.toggl?.pages ?? 0) >= 1],
      ['the enrichment', (p: Progress) => p.current_activity === 'enrich_entities_by_type' && p.details.types.some((t) => t.done > 0)],
      ['the person reports', (p: Progress) => p.current_activity === 'generate_person_reports' && p.details.persons.done >= 1],
    ] as const) {
      await until(what, ok);
      await kill(worker);
      kills.push(what);
      await sleep(2000);
      worker = await startWorker(slow.env);
    }
    try {
      const result = await handle.result();
      assert.equal(result.status, 'completed');
    } finally {
      await kill(worker);
    }
    assert.deepEqual(kills, ['the fetch', 'the enrichment', 'the person reports']);
    const metadata = RunMetadataSchema.parse(JSON.parse(await readFile(path.join(file.outputDir, runId, 'run_metadata.json'), 'utf8')));
    assert.equal(metadata.status, 'completed');
    assert.ok(repeatedPages(slow.requestLogs().toggl).every((p) => p.count <= 2), 'no page fetched more than once more');
  });
});
