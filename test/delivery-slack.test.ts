import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, test } from 'node:test';
import { AppConfigSchema } from '../src/config/app-config.js';
import { deliver, type DeliveryInput } from '../src/delivery/index.js';
import { dataText, fitLines, SLACK_LIMITS } from '../src/delivery/slack-message.js';
import { listen, readBody, sendText, type Listening } from '../src/sandbox/http.js';
import { removeRunFixtures, writeRunFixture } from './delivery-fixture.js';

/** One channel of the registry, as the deliver_report activity calls it. */
const deliverSlack = (input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal) => deliver('slack', input, env, signal);

after(removeRunFixtures);

const TOKEN_PATH = '/services/T0TEST/B0TEST/webhookSecretXyz123';
const config = { ...AppConfigSchema.parse({}).delivery, retry_delay_seconds: 0.01, timeout_seconds: 5 };

interface Received {
  contentType: string | undefined;
  path: string;
  body: Payload;
}
interface TextObject {
  type: string;
  text: string;
}
interface Block {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: TextObject[];
}
interface Payload {
  text: string;
  blocks: Block[];
}

/** A webhook that answers each request with the next status of `statuses` (the last one repeats). */
async function webhook(statuses: number[] = [200]): Promise<{ server: Listening; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = await listen(async (req: IncomingMessage, res) => {
    const body = JSON.parse(await readBody(req)) as Payload;
    received.push({ contentType: req.headers['content-type'], path: req.url ?? '', body });
    const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
    sendText(res, status, status === 200 ? 'ok' : status === 400 ? 'invalid_blocks' : 'internal_error');
  });
  return { server, url: `${server.url}${TOKEN_PATH}`, received };
}

/** Every text in the payload: the fallback, headers, sections, fields and context elements. */
function texts(p: Payload): { kind: string; text: string }[] {
  const out = [{ kind: 'fallback', text: p.text }];
  for (const b of p.blocks) {
    if (b.text) out.push({ kind: `${b.type}.text`, text: b.text.text });
    for (const f of b.fields ?? []) out.push({ kind: 'field', text: f.text });
    for (const e of b.elements ?? []) out.push({ kind: 'context', text: e.text });
  }
  return out;
}

function assertWithinSlackLimits(p: Payload): void {
  assert.ok(p.blocks.length <= SLACK_LIMITS.blocks, `${p.blocks.length} blocks`);
  assert.ok(JSON.stringify(p).length <= SLACK_LIMITS.message, `message of ${JSON.stringify(p).length} characters`);
  for (const b of p.blocks) {
    if (b.type === 'header') assert.ok(b.text!.text.length <= SLACK_LIMITS.headerText);
    if (b.type === 'section' && b.text) assert.ok(b.text.text.length <= SLACK_LIMITS.sectionText, `section of ${b.text.text.length}`);
    if (b.fields) {
      assert.ok(b.fields.length <= SLACK_LIMITS.fields);
      for (const f of b.fields) assert.ok(f.text.length <= SLACK_LIMITS.fieldText);
    }
    if (b.elements) assert.ok(b.elements.length <= SLACK_LIMITS.contextElements);
  }
  for (const { kind, text } of texts(p)) {
    if (kind === 'header.text' || kind === 'fallback') continue; // plain text: Slack shows it as it is
    assert.equal(/[<>]/.test(text), false, `unescaped < or > in ${kind}: ${text.slice(0, 120)}`);
    assert.equal(/&(?!amp;|lt;|gt;)/.test(text), false, `unescaped & in ${kind}`);
  }
}

test('Slack gets one Block Kit message: period, totals, risks and where the full report is', async () => {
  const run = await writeRunFixture({ people: 3 });
  const hook = await webhook();
  try {
    const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
    assert.equal(record.status, 'sent', record.error ?? '');
    assert.equal(record.error, null);
    assert.equal(hook.received.length, 1);
    const { body, contentType, path } = hook.received[0]!;
    assert.equal(path, TOKEN_PATH);
    assert.match(contentType ?? '', /^application\/json/);
    assertWithinSlackLimits(body);
    assert.deepEqual(body.blocks[0], { type: 'header', text: { type: 'plain_text', text: 'Team report 2026-11-16 – 2026-11-22', emoji: true } });
    const all = texts(body).map((t) => t.text).join('\n');
    assert.match(all, /\*Tracked\*\n\d+\.\d h/);
    assert.match(all, /\*People\*\n3/);
    assert.match(all, /\*Risks\*\n• \*#7000 Overdue work 0\*: overdue \(planned end 2026-11-18\), 6\.0 h this period/);
    assert.match(all, /Person 0 Ærø\*: 54% of 56\.0 h on other activities/);
    assert.ok(all.includes(`Full report: \`${run.dir}/reports/team_summary.md\``));
    assert.equal(/Largest changes/.test(all), false, 'no comparison in the data, none in the message');
    assert.equal(/hygiene/i.test(all), false, 'no hygiene score in the data, none in the message');
    assert.equal(record.detail!.blocks, body.blocks.length);
    assert.equal(record.detail!.attempts, 1);
  } finally {
    await hook.server.close();
  }
});

test('a team of 200 with long hostile names stays within Slack limits, cut with "…and N more"', async () => {
  const run = await writeRunFixture({ people: 200, longNames: 40, previous: true, hygiene: 61 });
  const hook = await webhook();
  try {
    const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
    assert.equal(record.status, 'sent', record.error ?? '');
    const body = hook.received[0]!.body;
    assertWithinSlackLimits(body);
    const all = texts(body).map((t) => t.text).join('\n');
    assert.match(all, /…and \d+ more overdue entities/);
    assert.match(all, /…and \d+ more in the full report/);
    assert.match(all, /\*Tracking hygiene\*\n61\/100/);
    assert.match(all, /\*Largest changes against 2026-11-09 – 2026-11-15\*/);
    assert.ok(all.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;@channel&gt;'), 'names escaped for mrkdwn');
    assert.equal(all.includes('<script>'), false);
    const longest = Math.max(...all.split('\n').map((l) => l.length));
    assert.ok(longest < 300, `a list line of ${longest} characters: names are shortened`);
  } finally {
    await hook.server.close();
  }
});

test('changes against the previous period name the largest first', async () => {
  const run = await writeRunFixture({ people: 3, previous: true });
  const hook = await webhook();
  try {
    const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
    assert.equal(record.status, 'sent', record.error ?? '');
    const changes = hook.received[0]!.body.blocks.find((b) => b.text?.text.startsWith('*Largest changes'))!.text!.text.split('\n').slice(1);
    const sizes = changes.map((l) => Number(/: [+−]([\d.]+) h/.exec(l)![1]));
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'largest change first');
    assert.match(changes[0]!, /^• Project \*Moneyball\*: \+51\.0 h \(1\.0 h → 52\.0 h\)$/);
    assert.ok(changes.some((l) => /^• Type \*Scrum \/ Task\*: −48\.0 h \(100\.0 h → 52\.0 h\)$/.test(l)), changes.join('\n'));
    assert.ok(changes.some((l) => /^• Person \*Person 0 Ærø\*: −10\.0 h \(66\.0 h → 56\.0 h\)$/.test(l)), changes.join('\n'));
    assert.ok(changes.some((l) => /^• Person \*Former Colleague\*: −12\.0 h \(12\.0 h → 0\.0 h\)$/.test(l)));
    assert.ok(changes.some((l) => /^• Person \*Person 1 Ærø\*: \+30\.0 h \(0\.0 h → 30\.0 h\)$/.test(l)));
  } finally {
    await hook.server.close();
  }
});

test('a webhook answering 500 then 200 is retried and the message sent once', async () => {
  const run = await writeRunFixture();
  const hook = await webhook([500, 200]);
  try {
    const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
    assert.equal(record.status, 'sent', record.error ?? '');
    assert.equal(hook.received.length, 2);
    assert.deepEqual(hook.received[0]!.body, hook.received[1]!.body);
    assert.equal(record.detail!.attempts, 2);
  } finally {
    await hook.server.close();
  }
});

test('a webhook always answering 500 gives a failed record, not an exception, and never shows the URL', async () => {
  const run = await writeRunFixture();
  const hook = await webhook([500]);
  try {
    const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
    assert.equal(record.status, 'failed');
    assert.equal(hook.received.length, config.max_retries + 1);
    assert.match(record.error!, /^Slack API answered 500 Internal Server Error: internal_error after 4 attempts for POST \*\*\*$/);
    assert.ok(!Number.isNaN(Date.parse(record.at)));
    const serialised = JSON.stringify(record);
    for (const secret of ['webhookSecretXyz123', TOKEN_PATH, hook.url]) assert.equal(serialised.includes(secret), false, secret);
  } finally {
    await hook.server.close();
  }
});

test('a 400 from Slack is not retried', async () => {
  const run = await writeRunFixture();
  const hook = await webhook([400]);
  try {
    const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
    assert.equal(record.status, 'failed');
    assert.equal(hook.received.length, 1);
    assert.match(record.error!, /400 Bad Request: invalid_blocks/);
  } finally {
    await hook.server.close();
  }
});

test('an unreachable webhook fails after its retries without naming the URL', async () => {
  const run = await writeRunFixture();
  const hook = await webhook();
  await hook.server.close();
  const record = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: hook.url });
  assert.equal(record.status, 'failed');
  assert.match(record.error!, /^cannot reach Slack at http:\/\/127\.0\.0\.1:\d+: .*\(after 4 attempts\)$/);
  assert.equal(JSON.stringify(record).includes('webhookSecretXyz123'), false);
});

test('a missing or malformed webhook URL is one line naming the variable, never its value', async () => {
  const run = await writeRunFixture();
  const missing = await deliverSlack({ runDir: run.dir, config }, {});
  assert.equal(missing.status, 'failed');
  assert.match(missing.error!, /^VOLT_SLACK_WEBHOOK_URL is not set: /);
  const bad = await deliverSlack({ runDir: run.dir, config }, { VOLT_SLACK_WEBHOOK_URL: 'hooks.slack.com/services/secretpart123' });
  assert.equal(bad.status, 'failed');
  assert.match(bad.error!, /^VOLT_SLACK_WEBHOOK_URL is not an http\(s\) URL: /);
  assert.equal(bad.error!.includes('secretpart123'), false);
});

test('a cancelled delivery throws instead of recording a failure', async () => {
  const run = await writeRunFixture();
  const hook = await webhook([500]);
  try {
    const controller = new AbortController();
    const slowConfig = { ...config, retry_delay_seconds: 5 };
    const pending = deliverSlack({ runDir: run.dir, config: slowConfig }, { VOLT_SLACK_WEBHOOK_URL: hook.url }, controller.signal);
    setTimeout(() => controller.abort(new Error('activity cancelled')), 100);
    await assert.rejects(pending, /activity cancelled/);
  } finally {
    await hook.server.close();
  }
});

test('lists are cut to their character budget with the count of what was left out', () => {
  const lines = Array.from({ length: 50 }, (_, i) => `• line ${String(i).padStart(2, '0')} ${'x'.repeat(80)}`);
  const more = (n: number) => `…and ${n} more`;
  const cut = fitLines(lines, 1000, 100, more);
  assert.ok(cut.length <= 1000, `${cut.length} characters`);
  const shown = cut.split('\n');
  assert.equal(shown.at(-1), `…and ${50 - (shown.length - 1)} more`);
  assert.deepEqual(shown.slice(0, -1), lines.slice(0, shown.length - 1));
  assert.equal(fitLines(lines.slice(0, 3), 1000, 100, more), lines.slice(0, 3).join('\n'), 'what fits is not cut');
  assert.equal(fitLines(lines, 100_000, 4, more).split('\n').at(-1), '…and 46 more', 'at most maxLines lines');
  assert.equal(dataText(`a\n<b> & ${'y'.repeat(200)}`, 10), 'a &lt;b&gt; &amp; y…');
});
