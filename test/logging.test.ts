/** VOLT_LOG_FORMAT=json: one JSON object per line, the run's context inside runs, no secret ever. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VARIABLES } from '../src/config/env.js';
import { JsonLogger } from '../src/logging/json-logger.js';
import { logRedactor, SECRET_VARIABLES } from '../src/logging/redaction.js';
import { runIdOfWorkflowId, workflowIdFor } from '../src/workflows/contract.js';
import { cliIn } from './support/cli-process.js';

let work: string;
before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-logging-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});
const { volt } = cliIn(() => work);

const SECRETS = {
  TOGGL_API_TOKEN: 'toggl-secret-token-123456',
  FIBERY_API_TOKEN: 'fibery-secret-token-abcdef',
  OPENAI_API_KEY: 'sk-openai-secret-999999',
  VOLT_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T000/B000/hooksecretXYZ',
  VOLT_SMTP_URL: 'smtp://mailer:smtp-password-42@127.0.0.1:2525',
};

test('the redacted variables are the ones env.ts marks secret', () => {
  const marked = Object.entries(VARIABLES).filter(([, spec]) => spec.secret).map(([name]) => name).sort();
  assert.deepEqual([...SECRET_VARIABLES].sort(), marked);
});

test('run ids from workflow ids: the pipeline, its Toggl fetch, a delivery; none for others', () => {
  assert.equal(runIdOfWorkflowId(workflowIdFor('run_2026-11-16-07-00-00_weekly-digest')), 'run_2026-11-16-07-00-00_weekly-digest');
  assert.equal(runIdOfWorkflowId('toggl-fibery-run_2026-11-16-07-00-00-toggl-fetch'), 'run_2026-11-16-07-00-00');
  assert.equal(runIdOfWorkflowId('deliver-run_2026-11-16-07-00-00-1765148400000'), 'run_2026-11-16-07-00-00');
  assert.equal(runIdOfWorkflowId('scheduled-report-weekly-2026-11-16T07:00:00Z'), null);
});

test('JSON lines: time, level, message and the run context; below the level nothing; secrets redacted', () => {
  const lines: string[] = [];
  const logger = new JsonLogger('INFO', logRedactor(SECRETS).redact, (line) => lines.push(line));
  logger.debug('not shown');
  logger.info('Step fetch_toggl_data started', { run_id: 'run_2026-11-16-07-00-00', step: 'fetch_toggl_data', workflowId: 'toggl-fibery-run_2026-11-16-07-00-00', runId: 'abc-123', workflowType: 'TogglFiberyPipeline', namespace: 'default', taskQueue: 'volt-agent-pipeline', sdkComponent: 'workflow' });
  logger.warn(`Toggl answered 429 with token ${SECRETS.TOGGL_API_TOKEN}`, { workflowId: 'toggl-fibery-run_2026-11-16-07-00-00-toggl-fetch', workflowRunId: 'def-456', activityType: 'fetch_toggl_page', activityId: '7', attempt: 2, error: new Error(`posting to ${SECRETS.VOLT_SLACK_WEBHOOK_URL} failed`) });
  logger.error(`Basic ${Buffer.from(`${SECRETS.TOGGL_API_TOKEN}:api_token`).toString('base64')} and smtp-password-42 and ${SECRETS.OPENAI_API_KEY}`);
  assert.equal(lines.length, 3);
  const [info, warn, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const line of lines) assert.doesNotMatch(line, /\n/);
  assert.match(String(info!.time), /^\d{4}-\d{2}-\d{2}T/);
  assert.deepEqual({ ...info, time: 'T' }, {
    time: 'T',
    level: 'info',
    message: 'Step fetch_toggl_data started',
    run_id: 'run_2026-11-16-07-00-00',
    workflow_id: 'toggl-fibery-run_2026-11-16-07-00-00',
    temporal_run_id: 'abc-123',
    workflow_type: 'TogglFiberyPipeline',
    namespace: 'default',
    task_queue: 'volt-agent-pipeline',
    component: 'workflow',
    step: 'fetch_toggl_data',
  });
  assert.equal(warn!.level, 'warn');
  assert.equal(warn!.run_id, 'run_2026-11-16-07-00-00', 'an activity of the Toggl fetch belongs to the run');
  assert.equal(warn!.activity, 'fetch_toggl_page');
  assert.equal(warn!.temporal_run_id, 'def-456');
  assert.equal(error!.level, 'error');
  const all = lines.join('\n');
  for (const secret of [...Object.values(SECRETS), 'hooksecretXYZ', 'smtp-password-42', Buffer.from(`${SECRETS.TOGGL_API_TOKEN}:api_token`).toString('base64')]) {
    assert.ok(!all.includes(secret), `${secret} is redacted`);
  }
  assert.match(String(warn!.message), /token \*\*\*/);
});

test('the CLI with VOLT_LOG_FORMAT=json: its notes and errors are JSON lines; the default stays text', async () => {
  const json = await volt(['run', '--start-date', '2026-13-01', '--end-date', '2026-11-22'], { VOLT_LOG_FORMAT: 'json', ...SECRETS });
  assert.equal(json.code, 2, json.stderr);
  const lines = json.stderr.trim().split('\n');
  assert.ok(lines.length >= 1);
  for (const line of lines) {
    const entry = JSON.parse(line) as { time: string; level: string; message: string };
    assert.equal(entry.level, 'error');
    assert.match(entry.message, /^volt-agent: /);
  }
  assert.match(json.stderr, /start-date/);
  for (const secret of Object.values(SECRETS)) assert.ok(!json.stderr.includes(secret));

  const text = await volt(['run', '--start-date', '2026-13-01', '--end-date', '2026-11-22']);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /^volt-agent: .*start-date/m);
  assert.throws(() => JSON.parse(text.stderr.trim().split('\n')[0]!));

  const bad = await volt(['worker'], { VOLT_LOG_FORMAT: 'yaml', TEMPORAL_ADDRESS: '127.0.0.1:1' });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /VOLT_LOG_FORMAT.*text or json/);
});
