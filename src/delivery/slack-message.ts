/**
 * A run's digest as one Slack message in Block Kit, within Slack's limits whatever the size of
 * the team: lists are cut to fit with a visible "…and N more", every text from the data is
 * escaped for mrkdwn and shortened, and the whole message is rebuilt with smaller lists until it
 * fits the message budget.
 */
import type { ContextBlock, DividerBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { CHANGE_DIMENSION_LABEL, changeFigures, digestFigures, moreRisksText, riskItems, type Change, type RiskItem } from '../reports/digest.js';
import { hours } from '../reports/format.js';
import type { DeliveredRun } from './channel.js';

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

function changeLine(c: Change): string {
  return `• ${CHANGE_DIMENSION_LABEL[c.dimension]} *${dataText(c.label)}*: ${changeFigures(c)}`;
}

function riskLine(item: RiskItem): string {
  if (!('risk' in item)) return `• ${moreRisksText(item)}`;
  const r = item.risk;
  return `• ${r.subject === null ? '' : `*${dataText(r.subject)}*: `}${escapeMrkdwn(r.text)}`;
}

function periodText(p: { start_date: string; end_date: string }): string {
  return p.start_date === p.end_date ? p.start_date : `${p.start_date} – ${p.end_date}`;
}

function header(run: DeliveredRun): HeaderBlock {
  const text = `Team report ${periodText(run.digest.period)}`;
  return { type: 'header', text: { type: 'plain_text', text: text.slice(0, SLACK_LIMITS.headerText), emoji: true } };
}

/** The digest's figures, as every channel states them. */
function totalsBlock(run: DeliveredRun): SectionBlock {
  const fields = digestFigures(run.digest).map(([label, value]) => `*${label}*\n${value}`);
  return { type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields).map((text) => ({ type: 'mrkdwn', text })) };
}

function section(title: string, body: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: `*${title}*\n${body}` } };
}

function changesBlock(run: DeliveredRun, budget: number): SectionBlock | null {
  const c = run.digest.comparison;
  if (!c) return null;
  const title = `Largest changes against ${periodText(c.period)}`;
  let body: string;
  if (c.seconds === 0) body = 'No time was tracked in the previous period.';
  else if (c.changes.length === 0) body = 'No change of 0.1 h or more.';
  else body = fitLines(c.changes.map(changeLine), budget - title.length - 3, MAX_CHANGES, (n) => `…and ${n} more in the full report`);
  return section(title, body);
}

function risksBlock(run: DeliveredRun, budget: number): SectionBlock {
  const title = 'Risks';
  const { risks } = run.digest;
  const body = risks.length
    ? fitLines(riskItems(risks, RISKS_PER_KIND).map(riskLine), budget - title.length - 3, MAX_RISKS, (n) => `…and ${n} more in the full report`)
    : 'None found in the data.';
  return section(title, body);
}

function whereBlock(run: DeliveredRun): ContextBlock {
  const report = run.reports.html ?? run.reports.markdown;
  const code = (p: string) => `\`${escapeMrkdwn(p.replace(/`/g, "'")).slice(0, 1000)}\``;
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Full report: ${code(report)} · run ${code(run.run.id)}` }],
  };
}

function summaryText(run: DeliveredRun): string {
  const t = run.digest.totals;
  return `Team report ${periodText(run.digest.period)}: ${hours(t.seconds)} by ${t.people} ${t.people === 1 ? 'person' : 'people'}, ${t.entity_share}% on Fibery entities`;
}

function compose(run: DeliveredRun, listBudget: number): SlackMessage {
  const divider: DividerBlock = { type: 'divider' };
  const blocks: KnownBlock[] = [header(run), totalsBlock(run), divider];
  const changes = changesBlock(run, listBudget);
  if (changes) blocks.push(changes);
  blocks.push(risksBlock(run, listBudget), divider, whereBlock(run));
  return { text: summaryText(run), blocks };
}

/** The message for a run's digest, its lists as long as the limits allow. */
export function buildSlackMessage(run: DeliveredRun): SlackMessage {
  let budget: number = SLACK_LIMITS.sectionText;
  let message = compose(run, budget);
  while (JSON.stringify(message).length > SLACK_LIMITS.message && budget > 200) {
    budget = Math.floor(budget * 0.8);
    message = compose(run, budget);
  }
  return message;
}
