/**
 * One run, three readers: the Slack message and the e-mail as they arrive (a webhook and a real
 * SMTP server on free ports) and the team report as it was written, all state the same totals,
 * changes against the previous period and risks. The run is the synthetic team of the report
 * tests (hostile names, overdue and missing entities, untagged references, a running timer, the
 * previous period), its team report written by the deterministic writer.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { AppConfigSchema } from '../src/config/app-config.js';
import { deliver } from '../src/delivery/index.js';
import { hours } from '../src/reports/format.js';
import { writeTeamReport } from '../src/reports/team-report.js';
import { deterministicWriter } from '../src/reports/writer.js';
import { listen, readBody, sendText } from '../src/sandbox/http.js';
import { RUN_FILES } from '../src/storage/json-storage.js';
import { EnrichedDataSchema, RunMetadataSchema } from '../src/storage/schemas.js';
import { reportData } from './support/report-data.js';

const config = { ...AppConfigSchema.parse({}).delivery, retry_delay_seconds: 0.01, timeout_seconds: 5 };

interface Media {
  slack: { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
  mail: ParsedMail;
  report: string;
}

let dir: string;
let media: Media;

async function writeRun(): Promise<string> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'volt-agreement-'));
  const { enriched } = reportData(8);
  const data = EnrichedDataSchema.parse(enriched);
  const metadata = RunMetadataSchema.parse({
    run_id: 'run_agreement',
    workflow_id: 'toggl-fibery-run_agreement',
    created_at: '2026-11-30T06:00:00.000Z',
    updated_at: '2026-11-30T06:06:00.000Z',
    status: 'completed',
    pipeline_version: '3.0',
    parameters: { ...data.period, users_filter: null, start_from: 'toggl', compare: 'previous' },
    temporal_metadata: { workflow_id: 'toggl-fibery-run_agreement', run_id: 'r', task_queue: 'q' },
    stages_completed: ['toggl', 'fibery'],
    stages_failed: [],
  });
  const report = await writeTeamReport(data, deterministicWriter());
  await mkdir(path.join(runDir, 'reports'), { recursive: true });
  await writeFile(path.join(runDir, RUN_FILES.metadata), JSON.stringify(metadata));
  await writeFile(path.join(runDir, RUN_FILES.enriched), JSON.stringify(data));
  await writeFile(path.join(runDir, RUN_FILES.teamSummary), report.markdown);
  await writeFile(path.join(runDir, RUN_FILES.teamSummaryHtml), report.html);
  return runDir;
}

async function slackMessage(runDir: string): Promise<Media['slack']> {
  const received: Media['slack'][] = [];
  const server = await listen(async (req, res) => {
    received.push(JSON.parse(await readBody(req)) as Media['slack']);
    sendText(res, 200, 'ok');
  });
  try {
    const record = await deliver('slack', { runDir, config }, { VOLT_SLACK_WEBHOOK_URL: `${server.url}/services/T1/B2/agreementHook123` });
    assert.equal(record.status, 'sent', record.error ?? '');
  } finally {
    await server.close();
  }
  return received[0]!;
}

async function mail(runDir: string): Promise<ParsedMail> {
  const delivered: ParsedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((m) => {
        delivered.push(m);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  try {
    const env = { VOLT_SMTP_URL: `smtp://127.0.0.1:${port}`, VOLT_MAIL_FROM: 'digest@example.test', VOLT_MAIL_TO: 'lead@example.test' };
    const record = await deliver('email', { runDir, config }, env);
    assert.equal(record.status, 'sent', record.error ?? '');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return delivered[0]!;
}

before(async () => {
  dir = await writeRun();
  const { readFile } = await import('node:fs/promises');
  media = { slack: await slackMessage(dir), mail: await mail(dir), report: await readFile(path.join(dir, RUN_FILES.teamSummary), 'utf8') };
});
after(() => rm(dir, { recursive: true, force: true }));

// ---- reading each medium back: escapes undone, so texts compare as the reader sees them ----

/** Slack mrkdwn, HTML entities and markdown escapes undone. */
function plain(text: string): string {
  return text
    .replace(/\\([\\*_`~|\]![])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Two renderings of one name: equal, or one is the other cut with "…". */
function sameName(a: string, b: string): boolean {
  const cut = (s: string) => (s.endsWith('…') ? s.slice(0, -1) : null);
  if (a === b) return true;
  const [ca, cb] = [cut(a), cut(b)];
  return (ca !== null && b.startsWith(ca)) || (cb !== null && a.startsWith(cb)) || (ca !== null && cb !== null && (ca.startsWith(cb) || cb.startsWith(ca)));
}

const section = (md: string, title: string) => {
  const start = md.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `the report has a "${title}" section`);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
};

/** Table rows as cells (markdown escapes kept, so a `\|` in a name stays in its cell). */
const tableRows = (md: string) =>
  md
    .split('\n')
    .filter((l) => l.startsWith('| ') && !/^\| -/.test(l))
    .map((l) => l.slice(2, -2).split(/ (?<!\\)\| /).map(plain));

function slackFields(m: Media['slack']): Map<string, string> {
  const fields = m.blocks.find((b) => b.fields)!.fields!;
  return new Map(fields.map((f) => /^\*(.+)\*\n(.*)$/s.exec(f.text)!.slice(1, 3) as [string, string]));
}

function slackList(m: Media['slack'], title: string): string[] {
  const block = m.blocks.find((b) => b.text?.text.startsWith(`*${title}`));
  return block ? block.text!.text.split('\n').slice(1).filter((l) => !l.startsWith('…') && !l.startsWith('• …')) : [];
}

function mailParts(m: ParsedMail): { rows: Map<string, string>; changes: string[]; risks: string[] } {
  const [, head, ...parts] = (m.text ?? '').split('\n\n');
  const rows = new Map(head!.split('\n').map((l) => l.split(/: (.*)/s).slice(0, 2) as [string, string]));
  const list = (title: string) => {
    const part = parts.find((p) => p.startsWith(title));
    return part ? part.split('\n').slice(1).filter((l) => l.startsWith('- ') && !l.startsWith('- …')) : [];
  };
  return { rows, changes: list('Largest changes'), risks: list('Risks') };
}

interface ChangeLine { dimension: string; label: string; figures: string }
const SLACK_CHANGE = /^• (Person|Type|Project) \*(.+)\*: ([+−±][\d.]+ h \([\d.]+ h → [\d.]+ h\))$/;
const MAIL_CHANGE = /^- (Person|Type|Project) (.+): ([+−±][\d.]+ h \([\d.]+ h → [\d.]+ h\))$/;
function change(line: string, pattern: RegExp): ChangeLine {
  const m = pattern.exec(line);
  assert.ok(m, `a change line: ${line}`);
  return { dimension: m[1]!, label: plain(m[2]!), figures: m[3]! };
}

interface RiskLine { subject: string | null; text: string }
function risk(line: string, pattern: RegExp): RiskLine {
  const m = pattern.exec(line);
  assert.ok(m, `a risk line: ${line}`);
  return { subject: m[1] === undefined ? null : plain(m[1]), text: m[2]! };
}

// ---- the assertions ----

test('totals: Slack and e-mail show the same figures, the report the same values, all from the data', () => {
  const slack = slackFields(media.slack);
  const { rows } = mailParts(media.mail);
  assert.deepEqual([...slack], [...rows], 'Slack fields and e-mail rows');
  const { enriched } = reportData(8);
  assert.equal(slack.get('Tracked'), hours(enriched.totals.total_seconds), 'the figure is the data\'s, not only the same everywhere');
  assert.equal(slack.get('People'), String(enriched.totals.users));

  const glance = new Map(tableRows(section(media.report, 'Team at a glance')).map((r) => [r[0]!, r[1]!]));
  assert.equal(glance.get('Total tracked'), slack.get('Tracked'));
  for (const label of ['People', 'On Fibery entities', 'Other activities']) assert.equal(glance.get(label), slack.get(label), label);
  const [, entities, completed, overdue] = /^(\d+) \((\d+) completed, (\d+) overdue\)$/.exec(slack.get('Entities')!)!;
  assert.equal(glance.get('Distinct entities'), entities);
  assert.equal(glance.get('Completed entities')!.split(' ')[0], completed);
  assert.equal(glance.get('Overdue entities'), overdue);
  assert.ok(Number(overdue) > 0, 'the run has overdue entities');

  const score = /^(\d+)\/100$/.exec(slack.get('Tracking hygiene') ?? '')?.[1];
  assert.ok(score, 'the run has a hygiene score');
  assert.ok(section(media.report, 'Tracking hygiene').includes(`Tracking hygiene score: ${score} / 100`));

  const [, previous, delta] = /^([\d.]+ h) \(([+−±][\d.]+ h)\)$/.exec(slack.get('Previous period')!)!;
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(section(media.report, 'This period against the last'), new RegExp(`tracked ${escaped(slack.get('Tracked')!)} against ${escaped(previous!)} in .+ \\(${escaped(delta!)}\\)`));
});

test('changes: the same people, types and projects with the same hours in all three', () => {
  const slack = slackList(media.slack, 'Largest changes').map((l) => change(l, SLACK_CHANGE));
  const mailed = mailParts(media.mail).changes.map((l) => change(l, MAIL_CHANGE));
  assert.ok(slack.length >= 5, `${slack.length} changes in Slack`);
  assert.ok(mailed.length >= slack.length);
  mailed.slice(0, slack.length).forEach((m, i) => {
    const s = slack[i]!;
    assert.equal(m.dimension, s.dimension);
    assert.ok(sameName(m.label, s.label), `${m.label} / ${s.label}`);
    assert.equal(m.figures, s.figures, m.label);
  });

  const comparison = section(media.report, 'This period against the last');
  const tables: Record<string, string[][]> = {};
  for (const [dimension, heading] of [['Person', 'By person'], ['Type', 'By database / type'], ['Project', 'By project']] as const) {
    const start = comparison.indexOf(`### ${heading}\n`);
    const end = comparison.indexOf('\n### ', start + 1);
    tables[dimension] = tableRows(comparison.slice(start, end < 0 ? undefined : end)).slice(1);
  }
  for (const m of mailed) {
    const row = tables[m.dimension]!.find((r) => sameName(r[0]!, m.label));
    assert.ok(row, `the report's ${m.dimension} table has ${m.label}`);
    // Previous, this period, change: the same three figures.
    assert.equal(`${row[3]} (${row[1]} → ${row[2]})`, m.figures, m.label);
  }
});

test('risks: every risk Slack and the e-mail name is in the report\'s risk list, in the same words and figures', () => {
  const slack = slackList(media.slack, 'Risks').map((l) => risk(l, /^• (?:\*(.+)\*: )?(.+)$/));
  const mailed = mailParts(media.mail).risks.map((l) => risk(l, /^- (?:(.+?): )?((?:overdue|not found|\d+%|\d+ (?:reference|timer)).+)$/));
  const reported = section(media.report, 'Risks')
    .split('\n')
    .filter((l) => l.startsWith('- ') && !l.startsWith('- …'))
    .map((l) => risk(l, /^- (?:\*\*(.+?)\*\*: )?(.+)$/));
  const kinds = (list: RiskLine[]) => new Set(list.map((r) => r.text.replace(/[\d.]+/g, 'N').split(/[,(]/)[0]));
  assert.ok(kinds(slack).size >= 4, `Slack names several kinds of risk: ${[...kinds(slack)].join('; ')}`);
  for (const [medium, list] of [['Slack', slack], ['e-mail', mailed]] as const) {
    for (const r of list) {
      const found = reported.find((x) => x.text === r.text && (x.subject === null ? r.subject === null : r.subject !== null && sameName(x.subject, r.subject)));
      assert.ok(found, `${medium}'s risk "${r.subject ?? ''}: ${r.text}" is in the report`);
    }
  }
});
