import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { AppConfigSchema } from '../src/config/app-config.js';
import { deliver, type DeliveryInput } from '../src/delivery/index.js';
import { removeRunFixtures, writeRunFixture } from './delivery-fixture.js';

/** One channel of the registry, as the deliver_report activity calls it. */
const deliverEmail = (input: DeliveryInput, env: NodeJS.ProcessEnv, signal?: AbortSignal) => deliver('email', input, env, signal);

after(removeRunFixtures);

const USER = 'digest-mailer';
const PASSWORD = 'p@ss:w0rd/Secret';
const config = { ...AppConfigSchema.parse({}).delivery, retry_delay_seconds: 0.01, timeout_seconds: 5 };

interface Delivered {
  mailFrom: string;
  rcptTo: string[];
  user: string | undefined;
  mail: ParsedMail;
}

interface MailServer {
  port: number;
  delivered: Delivered[];
  authAttempts: number;
  rcptAttempts: number;
  close(): Promise<void>;
}

/** A real SMTP server on a free port: plain connection, AUTH PLAIN/LOGIN, messages parsed as they arrive. */
async function mailServer(opts: { rejectRcpt?: (attempt: number) => number | null } = {}): Promise<MailServer> {
  const state: MailServer = { port: 0, delivered: [], authAttempts: 0, rcptAttempts: 0, close: async () => {} };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      state.authAttempts++;
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      state.rcptAttempts++;
      const code = opts.rejectRcpt?.(state.rcptAttempts) ?? null;
      if (code !== null) return callback(Object.assign(new Error(code < 500 ? 'Mailbox busy, try again later' : 'No such user here'), { responseCode: code }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          state.delivered.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            user: session.user,
            mail,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function envFor(port: number, password = PASSWORD): NodeJS.ProcessEnv {
  return {
    VOLT_SMTP_URL: `smtp://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    VOLT_MAIL_FROM: 'volt-agent <digest@example.test>',
    VOLT_MAIL_TO: 'lead@example.test, Team Channel <team@example.test>',
  };
}

const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

test('the digest mail: sender, recipients, subject, a text and an HTML part, the HTML report attached', async () => {
  const run = await writeRunFixture({ people: 3, html: true, longNames: 1, hygiene: 80 });
  const smtp = await mailServer();
  try {
    const record = await deliverEmail({ runDir: run.dir, config }, envFor(smtp.port));
    assert.equal(record.status, 'sent', record.error ?? '');
    assert.equal(smtp.delivered.length, 1);
    const { mailFrom, rcptTo, user, mail } = smtp.delivered[0]!;
    assert.equal(user, USER);
    assert.equal(mailFrom, 'digest@example.test');
    assert.deepEqual(rcptTo, ['lead@example.test', 'team@example.test']);
    assert.deepEqual(addresses(mail.from), ['digest@example.test']);
    assert.deepEqual(addresses(mail.to), ['lead@example.test', 'team@example.test']);
    assert.equal(mail.subject, 'Team report 2026-11-16 – 2026-11-22');

    assert.match(mail.text ?? '', /^Team report 2026-11-16 – 2026-11-22\n\nTracked: \d+\.\d h\nPeople: 3\n/);
    assert.match(mail.text ?? '', /Tracking hygiene: 80\/100/);
    assert.match(mail.text ?? '', /\nRisks\n- #7000 Overdue work 0 <script>.*: overdue \(planned end 2026-11-18\), 6\.0 h this period/);

    const html = typeof mail.html === 'string' ? mail.html : '';
    assert.match(html, /<h2[^>]*>Team report 2026-11-16 – 2026-11-22<\/h2>/);
    assert.match(html, /<th[^>]*>Tracked<\/th><td[^>]*>\d+\.\d h<\/td>/);
    assert.equal(/<svg|<script/i.test(html), false, 'no SVG, no raw script in the HTML part');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'names escaped for HTML');

    assert.equal(mail.attachments.length, 1);
    const [attachment] = mail.attachments;
    assert.equal(attachment!.filename, 'team_summary_2026-11-16_2026-11-22.html');
    assert.equal(attachment!.contentType, 'text/html');
    assert.equal(attachment!.content.toString('utf8'), run.html);

    assert.deepEqual(record.detail, {
      to: 'lead@example.test, Team Channel <team@example.test>',
      subject: 'Team report 2026-11-16 – 2026-11-22',
      attachment: 'team_summary_2026-11-16_2026-11-22.html',
      message_id: record.detail!.message_id,
      attempts: 1,
    });
    assert.equal(JSON.stringify(record).includes(PASSWORD), false);
  } finally {
    await smtp.close();
  }
});

test('without an HTML page the markdown report is attached', async () => {
  const run = await writeRunFixture({ people: 2 });
  const smtp = await mailServer();
  try {
    const record = await deliverEmail({ runDir: run.dir, config }, envFor(smtp.port));
    assert.equal(record.status, 'sent', record.error ?? '');
    const [attachment] = smtp.delivered[0]!.mail.attachments;
    assert.equal(attachment!.filename, 'team_summary_2026-11-16_2026-11-22.md');
    assert.equal(attachment!.contentType, 'text/markdown');
    assert.equal(attachment!.content.toString('utf8'), run.markdown);
  } finally {
    await smtp.close();
  }
});

test('a temporary SMTP refusal (451) is retried; a permanent one (550) is not', async () => {
  const run = await writeRunFixture();
  const busy = await mailServer({ rejectRcpt: (n) => (n === 1 ? 451 : null) });
  try {
    const record = await deliverEmail({ runDir: run.dir, config }, { ...envFor(busy.port), VOLT_MAIL_TO: 'lead@example.test' });
    assert.equal(record.status, 'sent', record.error ?? '');
    assert.equal(record.detail!.attempts, 2);
    assert.equal(busy.delivered.length, 1);
  } finally {
    await busy.close();
  }
  const refusing = await mailServer({ rejectRcpt: () => 550 });
  try {
    const record = await deliverEmail({ runDir: run.dir, config }, { ...envFor(refusing.port), VOLT_MAIL_TO: 'lead@example.test' });
    assert.equal(record.status, 'failed');
    assert.equal(refusing.rcptAttempts, 1);
    assert.match(record.error!, /^sending the digest through the SMTP server 127\.0\.0\.1:\d+ failed: .*550.*\(not retried\)$/);
  } finally {
    await refusing.close();
  }
});

test('a wrong password fails at once, and no form of the password reaches the record', async () => {
  const run = await writeRunFixture();
  const smtp = await mailServer();
  const wrong = 'Wr0ng%Pa55word';
  try {
    const record = await deliverEmail({ runDir: run.dir, config }, envFor(smtp.port, wrong));
    assert.equal(record.status, 'failed');
    assert.equal(smtp.authAttempts, 1);
    assert.match(record.error!, /535/);
    const serialised = JSON.stringify(record);
    for (const form of [wrong, encodeURIComponent(wrong), PASSWORD]) assert.equal(serialised.includes(form), false, form);
  } finally {
    await smtp.close();
  }
});

test('an SMTP server that cannot be reached is retried, then a failed record', async () => {
  const run = await writeRunFixture();
  const smtp = await mailServer();
  await smtp.close();
  const record = await deliverEmail({ runDir: run.dir, config }, envFor(smtp.port));
  assert.equal(record.status, 'failed');
  assert.match(record.error!, /SMTP server 127\.0\.0\.1:\d+ failed: .*\(after 4 attempts\)$/);
  assert.equal(record.error!.includes(encodeURIComponent(PASSWORD)), false);
});

test('missing mail settings are one line naming the variable', async () => {
  const run = await writeRunFixture();
  const base = envFor(2525);
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [{ ...base, VOLT_SMTP_URL: undefined }, /^VOLT_SMTP_URL is not set: /],
    [{ ...base, VOLT_MAIL_FROM: ' ' }, /^VOLT_MAIL_FROM is not set: /],
    [{ ...base, VOLT_MAIL_TO: undefined }, /^VOLT_MAIL_TO is not set: /],
    [{ ...base, VOLT_MAIL_TO: 'lead@example.test, nobody' }, /^VOLT_MAIL_TO has an address that is not one: "nobody"$/],
    [{ ...base, VOLT_SMTP_URL: `http://${USER}:x@127.0.0.1:25` }, /^VOLT_SMTP_URL is not an smtp:\/\/ or smtps:\/\/ URL: /],
  ];
  for (const [env, expected] of cases) {
    const record = await deliverEmail({ runDir: run.dir, config }, env);
    assert.equal(record.status, 'failed');
    assert.match(record.error!, expected);
  }
});
