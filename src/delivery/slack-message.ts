/**
 * A run's digest as one Slack message in Block Kit, within Slack's limits whatever the size of
 * the team: lists are cut to fit with a visible "…and N more", every text from the data is
 * escaped for mrkdwn and shortened, and the whole message is rebuilt with smaller lists until it
 * fits the message budget.
 */
import type { ContextBlock, DividerBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { hours } from '../reports/format.js';
import type { Change, Dimension } from './changes.js';
import { moreRisksText, riskItems, type Digest, type RiskItem } from './digest.js';

/** Block Kit limits (docs.slack.dev "Blocks" reference) and the message budget we keep to. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** The whole payload, serialised: Slack rejects long block messages well below its 40,000-character text limit. */
  message: 10_000,
} as const;

/** Longest text from the data (a name, a label) shown in one list line. */
const MAX_NAME = 80;
const MAX_CHANGES = 10;
const MAX_RISKS = 15;
const RISKS_PER_KIND = 5;

export interface SlackMessage {
  /** Notification and fallback text. */
  text: string;
  blocks: KnownBlock[];
}

/** Slack's mrkdwn control characters, as its formatting guide says to escape them. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line of data text: newlines folded, cut at `max` characters with an ellipsis, then escaped. */
export function dataText(text: string, max = MAX_NAME): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return escapeMrkdwn(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

/**
 * As many lines as fit in `budget` characters (joined with newlines), then "…and N more" when
 * some were left out. At most `maxLines` lines are shown.
 */
export function fitLines(lines: readonly string[], budget: number, maxLines: number, more: (n: number) => string): string {
  const shown: string[] = [];
  let used = 0;
  for (const line of lines) {
    const tail = more(lines.length - shown.length - 1).length + 1;
    const isLast = shown.length === lines.length - 1;
    if (shown.length >= maxLines || used + line.length + 1 + (isLast ? 0 : tail) > budget) break;
    shown.push(line);
    used += line.length + 1;
  }
  const omitted = lines.length - shown.length;
  return omitted > 0 ? [...shown, more(omitted)].join('\n') : shown.join('\n');
}

const DIMENSION_LABEL: Record<Dimension, string> = { person: 'Person', type: 'Type', project: 'Project' };

function signedHours(seconds: number): string {
  return `${seconds >= 0 ? '+' : '−'}${hours(Math.abs(seconds))}`;
}

function changeLine(c: Change): string {
  return `• ${DIMENSION_LABEL[c.dimension]} *${dataText(c.label)}*: ${signedHours(c.delta_seconds)} (${hours(c.previous_seconds)} → ${hours(c.seconds)})`;
}

function riskLine(item: RiskItem): string {
  if (!('risk' in item)) return `• ${moreRisksText(item)}`;
  const r = item.risk;
  return `• ${r.subject === null ? '' : `*${dataText(r.subject)}*: `}${escapeMrkdwn(r.text)}`;
}

function periodText(p: { start_date: string; end_date: string }): string {
  return p.start_date === p.end_date ? p.start_date : `${p.start_date} – ${p.end_date}`;
}

function header(digest: Digest): HeaderBlock {
  const text = `Team report ${periodText(digest.period)}`;
  return { type: 'header', text: { type: 'plain_text', text: text.slice(0, SLACK_LIMITS.headerText), emoji: true } };
}

function totalsBlock(digest: Digest): SectionBlock {
  const t = digest.totals;
  const share = (s: number) => (t.seconds > 0 ? ` (${Math.round((s / t.seconds) * 100)}%)` : '');
  const fields = [
    `*Tracked*\n${hours(t.seconds)}`,
    `*People*\n${t.people}`,
    `*On Fibery entities*\n${hours(t.entity_seconds)}${share(t.entity_seconds)}`,
    `*Other activities*\n${hours(t.other_seconds)}${share(t.other_seconds)}`,
    `*Entities*\n${t.entities} (${t.completed_entities} completed, ${t.overdue_entities} overdue)`,
  ];
  if (digest.hygiene_score !== null) fields.push(`*Tracking hygiene*\n${Math.round(digest.hygiene_score)}/100`);
  const c = digest.comparison;
  if (c?.seconds !== null && c?.seconds !== undefined) {
    fields.push(`*Previous period*\n${hours(c.seconds)} (${signedHours(t.seconds - c.seconds)})`);
  }
  return { type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields).map((text) => ({ type: 'mrkdwn', text })) };
}

function section(title: string, body: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: `*${title}*\n${body}` } };
}

function changesBlock(digest: Digest, budget: number): SectionBlock | null {
  const c = digest.comparison;
  if (!c) return null;
  const title = `Largest changes against ${c.period ? periodText(c.period) : 'the previous period'}`;
  let body: string;
  if (c.seconds === 0) body = 'No time was tracked in the previous period.';
  else if (c.changes.length === 0) body = 'No change of 0.1 h or more.';
  else body = fitLines(c.changes.map(changeLine), budget - title.length - 3, MAX_CHANGES, (n) => `…and ${n} more in the full report`);
  return section(title, body);
}

function risksBlock(digest: Digest, budget: number): SectionBlock {
  const title = 'Risks';
  const body = digest.risks.length
    ? fitLines(riskItems(digest.risks, RISKS_PER_KIND).map(riskLine), budget - title.length - 3, MAX_RISKS, (n) => `…and ${n} more in the full report`)
    : 'None found in the data.';
  return section(title, body);
}

function whereBlock(digest: Digest): ContextBlock {
  const report = digest.reports.html ?? digest.reports.markdown;
  const code = (p: string) => `\`${escapeMrkdwn(p.replace(/`/g, "'")).slice(0, 1000)}\``;
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Full report: ${code(report)} · run ${code(digest.run.id)}` }],
  };
}

function summaryText(digest: Digest): string {
  const t = digest.totals;
  return `Team report ${periodText(digest.period)}: ${hours(t.seconds)} by ${t.people} ${t.people === 1 ? 'person' : 'people'}, ${t.entity_share}% on Fibery entities`;
}

function compose(digest: Digest, listBudget: number): SlackMessage {
  const divider: DividerBlock = { type: 'divider' };
  const blocks: KnownBlock[] = [header(digest), totalsBlock(digest), divider];
  const changes = changesBlock(digest, listBudget);
  if (changes) blocks.push(changes);
  blocks.push(risksBlock(digest, listBudget), divider, whereBlock(digest));
  return { text: summaryText(digest), blocks };
}

/** The message for a digest, its lists as long as the limits allow. */
export function buildSlackMessage(digest: Digest): SlackMessage {
  let budget: number = SLACK_LIMITS.sectionText;
  let message = compose(digest, budget);
  while (JSON.stringify(message).length > SLACK_LIMITS.message && budget > 200) {
    budget = Math.floor(budget * 0.8);
    message = compose(digest, budget);
  }
  return message;
}
