/**
 * `run --deliver` and `volt-agent deliver` as a user runs them (bin/volt-agent.js in a child
 * process), in the embedded mode against the sandbox, with a real SMTP server (smtp-server) and a
 * local HTTP server as the Slack webhook. The secrets are in the environment of the commands (so of
 * the background service's workers) and must appear nowhere else.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { readServiceInfo } from '../src/cli/service/state.js';
import { SLACK_LIMITS } from '../src/delivery/slack-message.js';
import { listen, readBody, sendText, type Listening } from '../src/sandbox/http.js';
import { RunMetadataSchema, type RunMetadata } from '../src/storage/schemas.js';
import { buildDataset } from './support/datasets.js';
import { texts } from './support/texts.js';

const BIN = path.resolve('bin/volt-agent.js');
const execFileAsync = promisify(execFile);
const WEBHOOK_TOKEN = 'deliverHookSecret0815';
const SMTP_USER = 'digest-mailer';
const SMTP_PASSWORD = 'sm7p-Pa55word-Secret';

let work: string;
let hook: Listening;
let hookStatus = 200;
const posted: { text: string; blocks: { type: string; text?: { text: string } }[] }[] = [];
let smtp: SMTPServer;
let smtpPort: number;
const mails: ParsedMail[] = [];

function userEnv(): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|TEMPORAL_(?!CLI_PATH)|NO_COLOR|CI$)/.test(k)));
  return {
    ...clean,
    VOLT_STATE_DIR: path.join(work, 'state'),
    VOLT_CONFIG_DIR: path.join(work, 'config'),
    VOLT_NO_BROWSER: '1',
    VOLT_SLACK_WEBHOOK_URL: `${hook.url}/services/T0/B0/${WEBHOOK_TOKEN}`,
    VOLT_SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`,
    VOLT_MAIL_FROM: 'volt-agent <digest@example.test>',
    VOLT_MAIL_TO: 'lead@example.test',
  };
}

const outputs: string[] = [];
async function volt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: work, env: userEnv(), timeout: 120_000 });
    outputs.push(stdout, stderr);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    outputs.push(e.stdout, e.stderr);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const RUN = ['run', '--sandbox', '--dataset', 'dataset.json', '--sandbox-latency', '0', '--start-date', '2026-11-09', '--end-date', '2026-11-15', '--output-dir', 'runs', '--json'];

async function runWith(...deliver: string[]): Promise<string> {
  const r = await volt(...RUN, ...deliver);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { run_id: string }).run_id;
}

const metadataOf = async (runId: string): Promise<RunMetadata> =>
  RunMetadataSchema.parse(JSON.parse(await readFile(path.join(work, 'runs', runId, 'run_metadata.json'), 'utf8')));

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-deliver-'));
  hook = await listen(async (req, res) => {
    posted.push(JSON.parse(await readBody(req)) as (typeof posted)[number]);
    sendText(res, hookStatus, hookStatus === 200 ? 'ok' : 'internal_error');
  });
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, callback) =>
      auth.username === SMTP_USER && auth.password === SMTP_PASSWORD ? callback(null, { user: auth.username }) : callback(new Error('Authentication credentials invalid')),
    onData: (stream, _session, callback) => {
      simpleParser(stream).then((mail) => (mails.push(mail), callback()), callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  // Retries a few milliseconds apart, so that a webhook answering 500 fails fast.
  await cp(path.resolve('config'), path.join(work, 'config'), { recursive: true });
  const configFile = path.join(work, 'config', 'config.yaml');
  await writeFile(configFile, (await readFile(configFile, 'utf8')).replace(/retry_delay_seconds: [\d.]+/, 'retry_delay_seconds: 0.02'));
  await writeFile(path.join(work, 'dataset.json'), JSON.stringify(buildDataset([{ space: 'Scrum', type: 'Task', count: 3 }], { people: 3 })));
});

after(async () => {
  await volt('service', 'stop');
  await hook.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

describe('delivery from the command line', () => {
  test('run --deliver slack,email: one webhook message within Slack\'s limits and one mail with both parts and the report attached', async () => {
    const runId = await runWith('--deliver', 'slack,email');
    const metadata = await metadataOf(runId);
    assert.equal(metadata.status, 'completed');
    assert.deepEqual(metadata.deliveries.map((d) => [d.channel, d.status]), [['slack', 'sent'], ['email', 'sent']]);

    assert.equal(posted.length, 1);
    const message = posted[0]!;
    assert.ok(message.blocks.length > 0 && message.blocks.length <= SLACK_LIMITS.blocks, `${message.blocks.length} blocks`);
    assert.ok(JSON.stringify(message).length <= SLACK_LIMITS.message);
    for (const b of message.blocks) if (b.type === 'section' && b.text) assert.ok(b.text.text.length <= SLACK_LIMITS.sectionText);
    assert.match(message.text, /2026-11-09/);

    assert.equal(mails.length, 1);
    const [mail] = mails;
    assert.match(mail!.subject ?? '', /2026-11-09 – 2026-11-15/);
    assert.ok((mail!.text ?? '').length > 20, 'a plain-text part');
    assert.ok(typeof mail!.html === 'string' && !/<svg/i.test(mail!.html), 'an HTML part without SVG');
    assert.equal(mail!.attachments.length, 1);
    assert.match(mail!.attachments[0]!.filename ?? '', /^team_summary_2026-11-09_2026-11-15\.(html|md)$/);
  });

  test('a webhook answering 500: the reports complete, the failure is recorded, deliver --run-id sends it later', async () => {
    hookStatus = 500;
    const before = posted.length;
    const runId = await runWith('--deliver', 'slack');
    const metadata = await metadataOf(runId);
    assert.equal(metadata.status, 'completed');
    assert.deepEqual(metadata.stages_completed, ['toggl', 'fibery']);
    await readFile(path.join(work, 'runs', runId, 'reports', 'team_summary.md'), 'utf8');
    assert.equal(metadata.deliveries.length, 1);
    assert.equal(metadata.deliveries[0]!.channel, 'slack');
    assert.equal(metadata.deliveries[0]!.status, 'failed');
    assert.match(metadata.deliveries[0]!.error ?? '', /500/);
    assert.ok(posted.length > before, 'the webhook was tried');

    const stillFailing = await volt('deliver', '--run-id', runId, '--to', 'slack', '--output-dir', 'runs');
    assert.equal(stillFailing.code, 1, stillFailing.stderr);
    assert.match(stillFailing.stdout, /✗ slack: failed/);

    hookStatus = 200;
    const sent = await volt('deliver', '--run-id', runId, '--to', 'slack', '--output-dir', 'runs', '--json');
    assert.equal(sent.code, 0, sent.stderr);
    assert.deepEqual((JSON.parse(sent.stdout) as { channel: string; status: string }[]).map((r) => [r.channel, r.status]), [['slack', 'sent']]);
    assert.deepEqual((await metadataOf(runId)).deliveries.map((d) => d.status), ['failed', 'failed', 'sent']);
  });

  test('deliver refuses an unknown run, an unfinished run and an unknown channel: one line, exit 2', async () => {
    const [runId] = (await readdir(path.join(work, 'runs'))).sort();
    const failed = { ...(await metadataOf(runId!)), run_id: 'run_failed', status: 'failed' };
    await mkdir(path.join(work, 'runs', 'run_failed'));
    await writeFile(path.join(work, 'runs', 'run_failed', 'run_metadata.json'), JSON.stringify(failed));
    const cases: [string[], RegExp][] = [
      [['--run-id', 'run_nope', '--to', 'slack'], /no run "run_nope" in /],
      [['--run-id', 'run_failed', '--to', 'slack'], /run "run_failed" is failed: only a completed run's reports can be delivered/],
      [['--run-id', runId!, '--to', 'slack,pigeon'], /--to: unknown delivery channel "pigeon": use slack, email, fibery/],
    ];
    for (const [args, message] of cases) {
      const r = await volt('deliver', ...args, '--output-dir', 'runs');
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });

  test('no webhook URL or SMTP password in the Temporal history, the run files, the logs or the output', async () => {
    const secrets = [WEBHOOK_TOKEN, SMTP_PASSWORD];
    const info = (await readServiceInfo(path.join(work, 'state')))!;
    const connection = await Connection.connect({ address: info.address });
    const found: string[] = [];
    try {
      const client = new Client({ connection, namespace: info.namespace });
      for await (const w of client.workflow.list()) found.push(...texts(await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()));
    } finally {
      await connection.close();
    }
    assert.ok(found.some((t) => t.includes('deliver_report')), 'the scan reads the delivery activities');
    for (const secret of secrets) assert.equal(found.filter((t) => t.includes(secret)).length, 0, `${secret} in a history`);
    // Run files, logs and the embedded server's database itself, byte for byte.
    const files = (await readdir(work, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    assert.ok(files.some((f) => f.name === 'temporal.sqlite') && files.some((f) => f.name === 'service.log'));
    for (const f of files) {
      const bytes = await readFile(path.join(f.parentPath, f.name));
      for (const secret of secrets) assert.equal(bytes.includes(secret), false, `${secret} in ${path.relative(work, path.join(f.parentPath, f.name))}`);
    }
    for (const secret of secrets) assert.equal(outputs.join('\n').includes(secret), false, `${secret} in the output`);
  });
});
