/**
 * `npm run test:monitoring`: the worker's metrics, the alert rules and the dashboard against a real
 * Prometheus and Alertmanager (Debian's), started on loopback with 1-second scrape and evaluation
 * intervals. A `volt-agent worker --metrics-address` on a Temporal dev server runs a sandbox run
 * that completes, one forced to fail, and a scheduled run that fails; a local webhook stands in
 * for Slack and for Alertmanager's receiver, smtp-server for the mail server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { simpleParser } from 'mailparser';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { getFreePort } from '../../src/temporal/ports.js';
import { RUN_OUTCOMES, RUN_TRIGGERS } from '../../src/metrics/names.js';
import { cliIn, readMetadata, type Spawned } from '../support/cli-process.js';
import { buildDataset } from '../support/datasets.js';
import { dashboardTargets, SDK_METRICS_USED, withGrafanaVariables } from '../support/monitoring.js';
import { binary, eventually, sampleNames, sampleSum, startMonitoring, startSmtp, startWebhook, type MonitoringStack } from './stack.js';

const execFileAsync = promisify(execFile);
const RULES = path.resolve('deploy/prometheus/alerts.yml');
const SMTP_USER = 'volt-mailer';
const SMTP_PASSWORD = 'smtp-Secret-pass-1234';

let work: string;
before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-monitoring-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});
const { userEnv, volt, spawnVolt } = cliIn(() => work);

describe('monitoring: a worker with --metrics-address, Prometheus, Alertmanager', () => {
  let server: DevServer;
  let sandbox: Sandbox;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let stack: MonitoringStack;
  let worker: Spawned;
  let workerEnv: NodeJS.ProcessEnv;
  let firstTrigger = 0;
  let metricsAddress: string;
  const runs = () => path.join(work, 'runs');
  const scrape = async () => (await fetch(`http://${metricsAddress}/metrics`)).text();
  const client = (): Record<string, string> => ({ TEMPORAL_ADDRESS: server.address });
  const secrets = () => [sandbox.toggl.token, sandbox.fibery.token, SMTP_PASSWORD, `${webhook.url}/slack/T000/B000/hooksecret`];

  before(async () => {
    [server, sandbox, webhook, smtp] = await Promise.all([
      startDevServer({ binaryPath: await ensureTemporalBinary() }),
      startSandbox({ dataset: buildDataset([{ space: 'Scrum', type: 'Task', count: 3 }, { space: 'Scrum', type: 'Bug', count: 2 }], { people: 2 }), fiberyLatencyMs: 0 }),
      startWebhook(),
      startSmtp(SMTP_USER, SMTP_PASSWORD),
    ]);
    metricsAddress = `127.0.0.1:${await getFreePort()}`;
    workerEnv = userEnv({
      ...client(),
      ...sandbox.env,
      VOLT_LOG_FORMAT: 'json',
      VOLT_SLACK_WEBHOOK_URL: `${webhook.url}/slack/T000/B000/hooksecret`,
      VOLT_SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      VOLT_MAIL_FROM: 'volt@example.test',
      VOLT_MAIL_TO: 'lead@example.test',
    });
    worker = spawnVolt(['worker', '--metrics-address', metricsAddress], {}, workerEnv);
    await worker.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
    stack = await startMonitoring({ dir: path.join(work, 'monitoring'), workerMetrics: metricsAddress, rulesFile: RULES, webhookUrl: webhook.url });
  });
  after(async () => {
    if (worker?.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await stack?.stop();
    await Promise.all([sandbox?.close(), webhook?.close(), smtp?.close()]);
    await server?.stop();
  });

  test('promtool accepts the rules', async () => {
    const promtool = binary('promtool');
    assert.ok(promtool, 'promtool is installed with prometheus');
    const { stdout } = await execFileAsync(promtool, ['check', 'rules', RULES]);
    assert.match(stdout, /SUCCESS: 7 rules found/);
  });

  test('a metrics port already in use is one line and exit code 3', async () => {
    const second = await volt(['worker', '--metrics-address', metricsAddress], { ...client(), ...sandbox.env });
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, new RegExp(`^volt-agent: cannot serve metrics on ${metricsAddress.replace(/\./g, '\\.')}: the port is already in use`, 'm'));
    const bad = await volt(['worker', '--metrics-address', 'nowhere'], client());
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--metrics-address "nowhere" is not HOST:PORT/);
  });

  test('before any run: temporal_* metrics and every volt_runs combination at 0, scraped by Prometheus', async () => {
    const text = await scrape();
    assert.ok(sampleNames(text).has('temporal_worker_start'), 'the SDK metrics');
    assert.ok([...sampleNames(text)].filter((n) => n.startsWith('temporal_')).length >= 5);
    for (const trigger of RUN_TRIGGERS) {
      for (const outcome of RUN_OUTCOMES) {
        assert.match(text, new RegExp(`^volt_runs\\{[^}]*outcome="${outcome}"[^}]*trigger="${trigger}"[^}]*\\} 0$`, 'm'), `${trigger}/${outcome} at 0`);
      }
    }
    const scraped = await eventually('Prometheus to scrape the worker', async () => {
      const up = await stack.query('up{job="volt-agent-worker"}');
      const series = await stack.query('volt_runs');
      return up[0]?.value[1] === '1' && series.length === 6 ? series : undefined;
    });
    assert.ok(scraped.every((s) => s.value[1] === '0'));
  });

  test('a completed run moves volt_runs by one and the request counters by what the simulators logged', async () => {
    const before = await scrape();
    const result = await volt(['run', '--start-date', '2026-11-09', '--end-date', '2026-11-15', '--output-dir', runs(), '--deliver', 'slack'], {
      ...client(),
      VOLT_SLACK_WEBHOOK_URL: `${webhook.url}/slack/T000/B000/hooksecret`,
    });
    assert.equal(result.code, 0, result.stderr);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sampleSum(after, name, labels) - sampleSum(before, name, labels);
    assert.equal(delta('volt_runs', { trigger: 'manual', outcome: 'completed' }), 1);
    assert.equal(delta('volt_runs', { outcome: 'failed' }), 0);
    assert.equal(delta('volt_run_duration_count', { outcome: 'completed' }), 1);
    const logs = sandbox.requestLogs();
    assert.ok(logs.toggl.length > 0 && logs.fibery.length > 0);
    assert.equal(sampleSum(after, 'volt_api_requests', { api: 'toggl' }), logs.toggl.length, 'one Toggl request counted per request the simulator saw');
    assert.equal(sampleSum(after, 'volt_api_requests', { api: 'fibery' }), logs.fibery.length, 'one Fibery request counted per request the simulator saw');
    assert.equal(sampleSum(after, 'volt_api_requests', { api: 'slack', status_class: '2xx' }), webhook.received.filter((r) => r.path.startsWith('/slack')).length);
    assert.equal(delta('volt_deliveries', { channel: 'slack', outcome: 'sent' }), 1);
    assert.ok(delta('volt_entries_fetched') > 0);
    assert.equal(delta('volt_entities_enriched', { outcome: 'found' }), 5);
    assert.ok(sampleSum(after, 'volt_api_wait_count', { api: 'toggl', reason: 'pacing' }) > 0, 'the pacing waits are recorded');
    await eventually('Prometheus to see the completed run', async () => {
      const [sample] = await stack.query('sum(volt_runs{outcome="completed"})');
      return sample?.value[1] === '1' ? true : undefined;
    });
  });

  test('a run forced to fail fires VoltRunFailed, which reaches the webhook through Alertmanager', async () => {
    // A 401 is permanent: the users list fails at once, and so does the run.
    sandbox.toggl.server.faults.push({ kind: 'status', status: 401, count: 1 });
    const result = await volt(['run', '--start-date', '2026-11-02', '--end-date', '2026-11-08', '--output-dir', runs()], client());
    assert.equal(result.code, 1, result.stderr);
    const failedAt = Date.now();
    assert.equal(sampleSum(await scrape(), 'volt_runs', { trigger: 'manual', outcome: 'failed' }), 1);
    await eventually('VoltRunFailed to fire in Prometheus', async () => ((await stack.alerts()).some((a) => a.labels.alertname === 'VoltRunFailed' && a.state === 'firing') ? true : undefined), 60_000);
    const notified = await eventually(
      'Alertmanager to post VoltRunFailed to the webhook',
      async () => webhook.received.find((r) => r.path === '/alertmanager' && r.body.includes('"VoltRunFailed"')),
      60_000,
    );
    const payload = JSON.parse(notified.body) as { status: string; alerts: { labels: Record<string, string> }[] };
    assert.equal(payload.status, 'firing');
    assert.deepEqual(payload.alerts.map((a) => [a.labels.alertname, a.labels.trigger]), [['VoltRunFailed', 'manual']]);
    assert.ok(Date.now() - failedAt < 60_000, 'within a minute of the failure');
  });

  test('a scheduled run that fails sends exactly one notice to the webhook and one mail, and still ends failed', async () => {
    const before = await scrape();
    const delivery = { VOLT_SLACK_WEBHOOK_URL: `${webhook.url}/slack/T000/B000/hooksecret`, VOLT_SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`, VOLT_MAIL_FROM: 'volt@example.test', VOLT_MAIL_TO: 'lead@example.test' };
    const created = await volt(['schedule', 'create', '--id', 'weekly-digest', '--cron', '0 8 * * 1', '--period', 'previous-week', '--deliver', 'slack,email', '--output-dir', runs()], { ...client(), ...delivery });
    assert.equal(created.code, 0, created.stderr);
    sandbox.toggl.server.faults.push({ kind: 'status', status: 401, count: 1 });
    firstTrigger = Date.now();
    const triggered = await volt(['schedule', 'trigger', '--id', 'weekly-digest', '--json'], client());
    assert.equal(triggered.code, 0, triggered.stderr);
    const slot = JSON.parse(triggered.stdout) as { run_id: string; workflow_id: string; period: { start_date: string; end_date: string } };
    const connection = await Connection.connect({ address: server.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(slot.workflow_id);
      await assert.rejects(handle.result(), WorkflowFailedError, 'the scheduled workflow ends failed');
    } finally {
      await connection.close();
    }
    const notices = webhook.received.filter((r) => r.path.startsWith('/slack') && r.body.includes('FAILED'));
    assert.equal(notices.length, 1, 'one Slack notice');
    const notice = notices[0]!.body;
    for (const part of ['weekly-digest', slot.period.start_date, slot.period.end_date, 'fetch_toggl_data', '401', `volt-agent show-run --run-id ${slot.run_id}`, `/workflows/toggl-fibery-${slot.run_id}`]) assert.ok(notice.includes(part), `the notice names ${part}`);
    const parsed = await Promise.all(smtp.mails.map(async (m) => ({ to: m.to, mail: await simpleParser(m.raw) })));
    const mails = parsed.filter((m) => m.mail.subject?.startsWith('FAILED: volt-agent weekly-digest'));
    assert.equal(mails.length, 1, 'one mail');
    assert.deepEqual(mails[0]!.to, ['lead@example.test']);
    assert.equal(mails[0]!.mail.subject, `FAILED: volt-agent weekly-digest for ${slot.period.start_date} – ${slot.period.end_date}`);
    assert.match(mails[0]!.mail.text ?? '', /Error: .*Toggl.*401/);
    const metadata = await readMetadata(path.join(runs(), slot.run_id));
    assert.equal(metadata.status, 'failed');
    assert.deepEqual(metadata.deliveries.map((d) => [d.channel, d.status, d.detail?.kind]), [['slack', 'sent', 'failure_notice'], ['email', 'sent', 'failure_notice']]);
    const after = await scrape();
    assert.equal(sampleSum(after, 'volt_runs', { trigger: 'schedule', outcome: 'failed' }) - sampleSum(before, 'volt_runs', { trigger: 'schedule', outcome: 'failed' }), 1);
    for (const channel of ['slack', 'email']) assert.equal(sampleSum(after, 'volt_deliveries', { channel, outcome: 'sent' }) - sampleSum(before, 'volt_deliveries', { channel, outcome: 'sent' }), 1);
    assert.ok(sampleSum(after, 'volt_api_requests', { api: 'smtp', status_class: '2xx' }) >= 1);
  });

  test('every dashboard expression evaluates in Prometheus, and every SDK metric it uses is exported', async () => {
    const targets = await dashboardTargets();
    for (const { panel, expr } of targets) {
      await assert.doesNotReject(stack.query(withGrafanaVariables(expr)), `${panel}: ${expr}`);
    }
    const names = sampleNames(await scrape());
    for (const name of SDK_METRICS_USED) assert.ok(names.has(name), `${name} is exported by the worker`);
    const [runsPanel] = await stack.query(withGrafanaVariables(targets.find((t) => t.panel.startsWith('Runs by outcome'))!.expr).replace('sum by (trigger, outcome)', 'sum'));
    assert.ok(Number(runsPanel?.value[1]) >= 1, 'the runs panel shows the runs');
  });

  test('no secret in /metrics or the logs; JSON logs are one object per line and carry the run id inside runs', async () => {
    const text = await scrape();
    const log = worker.output();
    for (const secret of secrets()) {
      assert.ok(!text.includes(secret), 'no secret in /metrics');
      assert.ok(!log.includes(secret), 'no secret in the log');
    }
    const lines = log.trim().split('\n');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { time: string; level: string; message: string; run_id?: string; workflow_id?: string };
      } catch {
        throw new Error(`a log line that is not JSON: ${line}`);
      }
    });
    for (const entry of entries) assert.ok(entry.time && entry.level && typeof entry.message === 'string', JSON.stringify(entry));
    const completed = (await readdirRuns()).find((m) => m.status === 'completed')!;
    const inRun = entries.filter((e) => e.run_id === completed.run_id);
    assert.ok(inRun.some((e) => /Step fetch_toggl_data started/.test(e.message)), 'the steps are logged with the run id');
    assert.ok(inRun.every((e) => e.workflow_id?.includes(completed.run_id)));
  });

  test("a completed scheduled run sets the schedule's last success; a restarted worker starts from the run files; without the flag, no metrics", async () => {
    // A trigger is a slot of its own, named to the second: the same second would be the failed slot again.
    await sleep(Math.max(0, firstTrigger + 2000 - Date.now()));
    const triggered = await volt(['schedule', 'trigger', '--id', 'weekly-digest', '--json'], client());
    assert.equal(triggered.code, 0, triggered.stderr);
    const slot = JSON.parse(triggered.stdout) as { run_id: string; workflow_id: string };
    const connection = await Connection.connect({ address: server.address });
    try {
      await new Client({ connection }).workflow.getHandle(slot.workflow_id).result();
    } finally {
      await connection.close();
    }
    const set = sampleSum(await scrape(), 'volt_run_last_success_timestamp_seconds', { schedule: 'weekly-digest', period: 'previous-week' });
    assert.ok(Math.abs(set - Date.now() / 1000) < 120, `${set} is about now`);
    const finished = Date.parse((await readMetadata(path.join(runs(), slot.run_id))).finished_at!) / 1000;

    const restart = async (args: string[]) => {
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, worker.output());
      worker = spawnVolt(['worker', ...args], {}, workerEnv);
      await worker.waitFor(/Worker polling task queue volt-agent-pipeline/, 120_000);
    };
    await restart([]);
    await assert.rejects(fetch(`http://${metricsAddress}/metrics`), 'no metrics endpoint without --metrics-address');
    await restart(['--metrics-address', metricsAddress]);
    const text = await scrape();
    const seeded = sampleSum(text, 'volt_run_last_success_timestamp_seconds', { schedule: 'weekly-digest', period: 'previous-week', workflowType: 'ScheduledReport' });
    assert.ok(Math.abs(seeded - finished) < 0.01, `seeded from run_metadata.json: ${seeded} vs ${finished}`);
    assert.equal(sampleSum(text, 'volt_runs'), 0, 'a new worker counts from 0, every combination present');
    assert.equal(text.match(/^volt_runs\{/gm)?.length, 6);
  });

  async function readdirRuns() {
    const { readdir } = await import('node:fs/promises');
    return Promise.all((await readdir(runs())).filter((d) => d.startsWith('run_')).map((d) => readMetadata(path.join(runs(), d))));
  }
});
