/**
 * `npm run bench`: how fast and how gently volt-agent runs, in numbers.
 *  1. The pure Toggl aggregation on a large synthetic period (entries per second, heap).
 *  2. A whole run on a real Temporal dev server against the simulators, with network-like latency
 *     on Fibery: wall time per activity, requests per API, the most Fibery requests in flight, RSS.
 * Options: --people N (default 25), --entities N (default 400), --latency MS (default 40).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { aggregateToggl } from '../src/toggl/aggregate.js';
import type { RawTogglData } from '../src/storage/schemas.js';
import { startSandbox } from '../src/sandbox/index.js';
import { getProgressQuery } from '../src/workflows/contract.js';
import { startTestTemporal } from '../test/support/temporal.js';
import { buildDataset } from '../test/support/datasets.js';
import { runPipelineOn } from '../test/support/pipeline.js';

const { values } = parseArgs({
  options: { people: { type: 'string', default: '25' }, entities: { type: 'string', default: '400' }, latency: { type: 'string', default: '40' } },
});
const people = Number(values.people);
const entities = Number(values.entities);
const latency = Number(values.latency);

function aggregationBench(entryCount: number): void {
  const descriptions = ['Fix login #7658 [Scrum] [Task] [Moneyball]', 'PR #45 review #7001 [Scrum] [Bug]', 'Daily standup', 'Task#9[Product Management][Feature][Volt - Internal]', 'Встреча с клиентом'];
  const raw: RawTogglData = {
    fetched_at: new Date().toISOString(),
    period: { start_date: '2026-01-01', end_date: '2026-12-31' },
    source: { api: 'bench', workspace_id: '1', requests: 0 },
    users_filter: null,
    users: [],
    time_entries: Array.from({ length: entryCount }, (_, i) => ({
      id: i,
      user_id: i % 200,
      user_email: `user${i % 200}@example.test`,
      user_name: `User ${i % 200}`,
      description: descriptions[i % descriptions.length]!.replace('7658', String(7000 + (i % 3000))),
      project_id: null,
      project_name: null,
      client_name: null,
      tags: [],
      start: `2026-${String(1 + (i % 12)).padStart(2, '0')}-10T09:00:00+01:00`,
      stop: `2026-${String(1 + (i % 12)).padStart(2, '0')}-10T10:00:00+01:00`,
      seconds: 3600,
      running: false,
      api_seconds: 3600,
    })),
  };
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const aggregated = aggregateToggl(raw);
  const ms = performance.now() - started;
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  console.log(`aggregation: ${entryCount} entries, ${aggregated.totals.users} people, ${aggregated.totals.entities} entities in ${ms.toFixed(0)} ms (${Math.round(entryCount / (ms / 1000)).toLocaleString('en')} entries/s, heap +${heapMiB.toFixed(0)} MiB)`);
}

async function pipelineBench(): Promise<void> {
  const split = [0.5, 0.25, 0.15, 0.1];
  const types = [
    { space: 'Scrum', type: 'Task' },
    { space: 'Scrum', type: 'Bug' },
    { space: 'Product Management', type: 'Feature' },
    { space: 'Design', type: 'Mockup' },
  ].map((t, i) => ({ ...t, count: Math.max(1, Math.round(entities * split[i]!)), firstId: 1000 * (i + 1) }));
  const dataset = buildDataset(types, { people, entriesPerEntity: 5 });
  const [temporal, sandbox] = await Promise.all([startTestTemporal(), startSandbox({ dataset, fiberyLatencyMs: latency })]);
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-bench-'));
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const steps: { activity: string; at: number }[] = [];
  const started = performance.now();
  try {
    const { error } = await runPipelineOn(temporal, { start_date: dataset.period.start_date, end_date: dataset.period.end_date, run_id: 'run_bench', output_dir: outputDir }, sandbox.env, {
      whileRunning: async (handle) => {
        for (;;) {
          const p = await handle.query(getProgressQuery).catch(() => null);
          if (p?.current_activity && steps.at(-1)?.activity !== p.current_activity) steps.push({ activity: p.current_activity, at: performance.now() });
          if (p && p.status !== 'running') return;
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    });
    const total = performance.now() - started;
    if (error) throw error;
    const fibery = sandbox.fibery.server.stats();
    const toggl = sandbox.toggl.server.stats();
    console.log(`pipeline: ${people} people, ${dataset.toggl.time_entries.length} entries, ${entities} entities in 4 types, Fibery latency ${latency} ms`);
    console.log(`  wall time ${(total / 1000).toFixed(2)} s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (worker, server client and simulators in one process)`);
    console.log(`  Toggl requests ${toggl.requests}; Fibery requests ${fibery.requests} for ${entities} entities (${(entities / Math.max(1, fibery.requests)).toFixed(1)} per request), max in flight ${fibery.max_in_flight}`);
    for (const [i, step] of steps.entries()) {
      const end = steps[i + 1]?.at ?? started + total;
      console.log(`  ${step.activity.padEnd(26)} ${((end - step.at) / 1000).toFixed(2)} s`);
    }
  } finally {
    clearInterval(sampler);
    await sandbox.close();
    await temporal.stop();
    await rm(outputDir, { recursive: true, force: true });
  }
}

aggregationBench(200_000);
await pipelineBench();
