/**
 * A new delivery channel is its file plus its registry line, and nothing else: a copy of the
 * sources gets test/support/pager-channel.ts as src/delivery/channels/pager.ts and `pager` in
 * the registry; then, with no other edit, `--deliver`'s help and accepted names list it, the
 * pre-flight check asks it for its settings, its secret is redacted from its record and it
 * delivers a run's digest. The compile-time half (a channel under the wrong key is refused) is
 * checked by `npm run typecheck` on this file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Channel } from '../src/delivery/channel.js';
import { CHANNELS, type ChannelName } from '../src/delivery/channels/index.js';
import { listen, readBody, sendText, type Listening } from '../src/sandbox/http.js';
import { pager } from './support/pager-channel.js';
import { removeRunFixtures, writeRunFixture } from './delivery-fixture.js';

const run = promisify(execFile);
const TOKEN = 'pagerSecretToken4711';

// The registry's typing, as src/delivery/channels/index.ts declares it, with the pager added.
const withPager: { readonly [K in ChannelName | 'pager']: Channel<K> } = { ...CHANNELS, pager };
// @ts-expect-error a channel registered under a key that is not its name does not compile
const misnamed: { readonly [K in 'beeper']: Channel<K> } = { beeper: pager };
void misnamed;

let copy: string;
let work: string;

/** The sources, config and package files of this checkout in a temporary directory, node_modules linked. */
async function copyOfSources(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'volt-new-channel-'));
  for (const part of ['src', 'config', 'bin', 'package.json', 'tsconfig.json']) await cp(part, path.join(dir, part), { recursive: true });
  await symlink(await realpath('node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The two edits of a new channel: its file, and its line in the registry. */
async function addPager(dir: string): Promise<void> {
  const source = (await readFile('test/support/pager-channel.ts', 'utf8')).replace("'../../src/delivery/channel.js'", "'../channel.js'");
  await writeFile(path.join(dir, 'src/delivery/channels/pager.ts'), source);
  const registry = path.join(dir, 'src/delivery/channels/index.ts');
  const text = await readFile(registry, 'utf8');
  const edited = text.replace("import { slack } from './slack.js';", "import { slack } from './slack.js';\nimport { pager } from './pager.js';").replace('const REGISTERED = { slack, email, fibery };', 'const REGISTERED = { slack, email, fibery, pager };');
  assert.notEqual(edited, text);
  await writeFile(registry, edited);
}

/** volt-agent of the copy (from its sources, through tsx), in `work`, with no tokens and no server. */
async function volt(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|PAGER_|TEMPORAL_ADDRESS|TEMPORAL_NAMESPACE)/.test(k)));
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(copy, 'bin/volt-agent.js'), ...args], { cwd: work, env: { ...clean, VOLT_STATE_DIR: path.join(work, 'state'), VOLT_NO_BROWSER: '1', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  copy = await copyOfSources();
  await addPager(copy);
  work = await mkdtemp(path.join(tmpdir(), 'volt-new-channel-work-'));
});
after(async () => {
  await Promise.all([rm(copy, { recursive: true, force: true }), rm(work, { recursive: true, force: true }), removeRunFixtures()]);
});

test('the registry type takes the new channel under its own name', () => {
  assert.equal(withPager.pager.name, 'pager');
  assert.deepEqual(Object.keys(withPager), ['slack', 'email', 'fibery', 'pager']);
});

test('the help of run, schedule create and deliver lists the new channel, and --to accepts it', async () => {
  for (const args of [['run', '--help'], ['schedule', 'create', '--help']]) {
    const r = await volt(args);
    assert.equal(r.code, 0, r.stderr);
    // The option's help, however commander wraps it.
    assert.match(r.stdout.replace(/\s+/g, ' '), /--deliver <channels> (once the reports are written, send the digest|send each run's digest) to slack, email, fibery and\/or pager \(comma-separated/);
    assert.match(r.stdout, /\n {2}pager {3}a test pager: the digest totals as one JSON POST\n {10}needs PAGER_URL, PAGER_TOKEN\n/);
  }
  const help = await volt(['deliver', '--help']);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--to <channels> comma-separated: slack, email, fibery or pager/);
  const unknown = await volt(['deliver', '--run-id', 'run_x', '--to', 'pager,beeper']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--to: unknown delivery channel "beeper": use slack, email, fibery, pager/);
});

test('the pre-flight check asks the new channel for its settings: one line, exit 2, nothing started', async () => {
  const r = await volt(['run', '--sandbox', '--start-date', '2026-11-09', '--end-date', '2026-11-15', '--deliver', 'pager'], { PAGER_URL: 'http://127.0.0.1:9/page' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--deliver pager: PAGER_TOKEN is not set: the token the pager posts with/);
  await assert.rejects(readFile(path.join(work, 'state', 'service.json')), 'no background service');
});

test('the new channel delivers a run\'s digest; its token is redacted from the record', async () => {
  const fixture = await writeRunFixture({ people: 3 });
  const received: { auth: string | undefined; body: Record<string, unknown> }[] = [];
  let status = 200;
  const server: Listening = await listen(async (req, res) => {
    received.push({ auth: req.headers.authorization, body: JSON.parse(await readBody(req)) as Record<string, unknown> });
    sendText(res, status, status === 200 ? 'ok' : 'down');
  });
  // The delivery as the deliver_report activity makes it, through the copy's registry.
  const script = path.join(copy, 'deliver-pager.ts');
  await writeFile(
    script,
    `import { AppConfigSchema } from './src/config/app-config.js';
import { deliver, SECRET_ENV } from './src/delivery/index.js';
const record = await deliver('pager', { runDir: process.argv[2]!, config: AppConfigSchema.parse({}).delivery }, process.env);
console.log(JSON.stringify({ record, secrets: SECRET_ENV }));
`,
  );
  const deliverOnce = async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, fixture.dir], { cwd: copy, env: { ...process.env, PAGER_URL: `${server.url}/page`, PAGER_TOKEN: TOKEN }, timeout: 120_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { record: { channel: string; status: string; error: string | null; detail?: Record<string, unknown> }; secrets: string[] };
  };
  try {
    const sent = await deliverOnce();
    assert.ok(sent.secrets.includes('PAGER_TOKEN'), 'the secret list comes from the registry');
    assert.equal(sent.record.channel, 'pager');
    assert.equal(sent.record.status, 'sent', sent.record.error ?? '');
    assert.deepEqual(sent.record.detail, { status: 200, sent_with: 'Bearer ***' });
    assert.equal(received[0]!.auth, `Bearer ${TOKEN}`);
    assert.deepEqual(received[0]!.body.tracked_seconds, fixture.data.totals.total_seconds);

    status = 503;
    const failed = await deliverOnce();
    assert.equal(failed.record.status, 'failed');
    assert.equal(failed.record.error, 'the pager answered 503 to Bearer ***');
    assert.equal(JSON.stringify(failed).includes(TOKEN), false);
  } finally {
    await server.close();
  }
});
