import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AppConfigSchema } from '../src/config/app-config.js';
import { deliver, parseChannels } from '../src/delivery/index.js';
import { recordDelivery } from '../src/delivery/record.js';
import { loadDeliveredRun } from '../src/delivery/run-digest.js';
import { riskItems } from '../src/reports/digest.js';
import { redactorFor } from '../src/delivery/secrets.js';
import { PREVIOUS_PERIOD, removeRunFixtures, writeRunFixture } from './delivery-fixture.js';

after(removeRunFixtures);

const HOUR = 3600;

async function loadDigest(dir: string) {
  const run = await loadDeliveredRun(dir);
  return { ...run.digest, reports: run.reports };
}

test('the digest of a run: period, totals, risks and where the report is', async () => {
  const run = await writeRunFixture({ people: 3 });
  const d = await loadDigest(run.dir);
  assert.deepEqual(d.period, { start_date: '2026-11-16', end_date: '2026-11-22' });
  assert.equal(d.totals.people, 3);
  assert.equal(d.totals.seconds, run.data.totals.total_seconds);
  assert.equal(d.totals.entity_share, Math.round((run.data.totals.matched_seconds / run.data.totals.total_seconds) * 100));
  assert.equal(d.totals.completed_entities, 3);
  assert.equal(d.totals.completed_seconds, 3 * 20 * HOUR);
  assert.equal(d.totals.overdue_entities, 3);
  assert.equal(d.comparison, null, 'no previous section, no comparison');
  assert.equal(d.hygiene_score, null);
  assert.equal(d.reports.markdown, `${run.dir}/reports/team_summary.md`);
  assert.equal(d.reports.html, null);
  const kinds = d.risks.map((r) => r.kind);
  assert.deepEqual([...new Set(kinds)], ['overdue', 'other_activities', 'running_timers']);
  assert.equal(kinds.filter((k) => k === 'overdue').length, 3);
  // Person 0 spends 30 of 56 h on other activities (> 40 %); persons 1 and 2 do not.
  assert.deepEqual(d.risks.filter((r) => r.kind === 'other_activities').map((r) => r.subject), ['Person 0 Ærø']);
});

test('the digest reads the previous period and the hygiene score when the data has them', async () => {
  const run = await writeRunFixture({ people: 3, previous: true, hygiene: 73.4, html: true });
  const d = await loadDigest(run.dir);
  assert.equal(d.hygiene_score, 73.4);
  assert.equal(d.reports.html, `${run.dir}/reports/team_summary.html`);
  const c = d.comparison!;
  assert.deepEqual(c.period, PREVIOUS_PERIOD);
  const byLabel = new Map(c.changes.map((ch) => [`${ch.dimension}:${ch.label}`, ch]));
  assert.equal(byLabel.get('person:Person 0 Ærø')!.delta_seconds, -10 * HOUR);
  assert.equal(byLabel.get('person:Person 1 Ærø')!.previous_seconds, 0, 'no time last period');
  assert.equal(byLabel.get('person:Former Colleague')!.seconds, 0, 'someone who left still shows');
  assert.equal(byLabel.has('person:Person 2 Ærø'), false, 'unchanged people are not changes');
  assert.ok(byLabel.get('type:Scrum / Task'));
  assert.equal(byLabel.get('project:Moneyball')!.previous_seconds, 1 * HOUR);
  const sizes = c.changes.map((ch) => Math.abs(ch.delta_seconds));
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'largest change first');
});

test('the changes are the team report\'s comparison rows that moved by 0.1 h or more', async () => {
  const run = await writeRunFixture({ people: 3, previous: true });
  const c = (await loadDigest(run.dir)).comparison!;
  assert.equal(c.seconds, run.data.totals.total_seconds + 10 * HOUR + 12 * HOUR - 30 * HOUR, 'the previous total');
  assert.ok(c.changes.every((ch) => Math.abs(ch.delta_seconds) >= 0.05 * HOUR));
  for (const ch of c.changes) assert.equal(ch.delta_seconds, ch.seconds - ch.previous_seconds);
});

test('risks are capped per kind so one long list cannot hide the others', async () => {
  const run = await writeRunFixture({ people: 30 });
  const d = await loadDigest(run.dir);
  const items = riskItems(d.risks, 5);
  assert.deepEqual(
    items.filter((i) => 'more' in i),
    [
      { kind: 'overdue', more: 25 },
      { kind: 'other_activities', more: 5 },
    ],
  );
  assert.ok(items.some((i) => 'risk' in i && i.risk.kind === 'running_timers'));
});

test('a failed run has nothing to deliver: the channel is skipped, not failed', async () => {
  const run = await writeRunFixture({ status: 'failed' });
  const config = AppConfigSchema.parse({}).delivery;
  const record = await deliver('slack', { runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook' });
  assert.equal(record.status, 'skipped');
  assert.match(record.error!, /failed: it has no report to deliver/);
});

test('the redactor removes webhook URLs, SMTP passwords and tokens, whole or in parts', () => {
  const env = {
    VOLT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0001/B0002/sEcReTtOkEn123',
    VOLT_SMTP_URL: 'smtp://mailer:p%40ss%20word!@smtp.example.test:587',
    FIBERY_API_TOKEN: 'fibery-token-abcdef',
  };
  const r = redactorFor(env);
  const text = [
    'posting to https://hooks.slack.com/services/T0001/B0002/sEcReTtOkEn123 failed',
    'POST /services/T0001/B0002/sEcReTtOkEn123',
    'token sEcReTtOkEn123',
    'login mailer:p%40ss%20word! and p@ss word!',
    'smtp://mailer:p%40ss%20word!@smtp.example.test:587',
    'Token fibery-token-abcdef',
  ].join('\n');
  assert.equal(r.redact(text), ['posting to *** failed', 'POST ***', 'token ***', 'login *** and ***', '***', 'Token ***'].join('\n'));
  assert.equal(r.redact('the services are up'), 'the services are up');
});

test('channel names are parsed, unknown ones named', () => {
  assert.deepEqual(parseChannels(' slack, EMAIL ,slack'), ['slack', 'email']);
  assert.throws(() => parseChannels('slack,teams'), /unknown delivery channel "teams": use slack, email, fibery/);
});

test('the delivery config section: defaults, and bad values are one line', () => {
  const config = AppConfigSchema.parse({}).delivery;
  assert.equal(config.max_retries, 3);
  assert.equal(config.fibery.name_field, 'Name');
  assert.equal(config.fibery.type, null);
  const bad = AppConfigSchema.safeParse({ delivery: { fibery: { type: 'NoSlash' } } });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0]!.message, /Space\/Type/);
});

test('any error a library throws reaches the record without the secrets it echoes', async () => {
  const env = {
    VOLT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B2/leakyToken987',
    VOLT_SMTP_URL: 'smtps://bot:s3cr%3At@mail.example.test:465',
    FIBERY_API_TOKEN: 'tok-abcdef-123',
  };
  const record = await recordDelivery('email', redactorFor(env), undefined, async () => {
    throw new Error(`connect to smtps://bot:s3cr%3At@mail.example.test:465 failed\n(password s3cr:t, token tok-abcdef-123, hook ${env.VOLT_SLACK_WEBHOOK_URL})`);
  });
  assert.equal(record.status, 'failed');
  assert.equal(record.error, 'connect to *** failed (password ***, token ***, hook ***)');
  const sent = await recordDelivery('slack', redactorFor(env), undefined, async () => ({ url: env.VOLT_SLACK_WEBHOOK_URL, n: 1 }));
  assert.deepEqual(sent.detail, { url: '***', n: 1 });
});
