/**
 * A run's digest as an e-mail: a subject naming the period, a plain-text part and a short HTML
 * part (tables and lists only: mail clients do not render SVG or scripts), with the full team
 * report attached. Text from the data is escaped for HTML and shortened in lists.
 */
import path from 'node:path';
import { CHANGE_DIMENSION_LABEL, changeFigures, digestFigures, moreRisksText, riskItems, type Change, type RiskItem } from '../reports/digest.js';
import type { DeliveredRun } from './channel.js';

const MAX_LIST = 20;
const RISKS_PER_KIND = 8;
const MAX_NAME = 120;

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  attachment: { filename: string; content: string; contentType: string };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function shorten(text: string, max = MAX_NAME): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function periodText(p: { start_date: string; end_date: string }): string {
  return p.start_date === p.end_date ? p.start_date : `${p.start_date} – ${p.end_date}`;
}

interface ListItem {
  /** Data text (escaped by the renderer), or null. */
  subject: string | null;
  /** Our own text. */
  text: string;
}

const changeItem = (c: Change): ListItem => ({ subject: c.label, text: changeFigures(c) });
const riskItem = (item: RiskItem): ListItem =>
  'risk' in item ? { subject: item.risk.subject, text: item.risk.text } : { subject: null, text: moreRisksText(item) };

interface ListSection {
  title: string;
  items: (ListItem & { prefix?: string })[];
  empty: string;
}

function sections(digest: DeliveredRun['digest']): ListSection[] {
  const out: ListSection[] = [];
  const c = digest.comparison;
  if (c) {
    out.push({
      title: `Largest changes against ${periodText(c.period)}`,
      items: c.seconds === 0 ? [] : c.changes.map((ch) => ({ ...changeItem(ch), prefix: CHANGE_DIMENSION_LABEL[ch.dimension] })),
      empty: c.seconds === 0 ? 'No time was tracked in the previous period.' : 'No change of 0.1 h or more.',
    });
  }
  out.push({ title: 'Risks', items: riskItems(digest.risks, RISKS_PER_KIND).map(riskItem), empty: 'None found in the data.' });
  return out;
}

function textList(section: ListSection): string {
  if (section.items.length === 0) return section.empty;
  const lines = section.items.slice(0, MAX_LIST).map((i) => `- ${i.prefix ? `${i.prefix} ` : ''}${i.subject === null ? '' : `${shorten(i.subject)}: `}${i.text}`);
  const more = section.items.length - MAX_LIST;
  return [...lines, ...(more > 0 ? [`…and ${more} more in the full report`] : [])].join('\n');
}

function htmlList(section: ListSection): string {
  if (section.items.length === 0) return `<p>${escapeHtml(section.empty)}</p>`;
  const items = section.items
    .slice(0, MAX_LIST)
    .map((i) => `<li>${i.prefix ? `${escapeHtml(i.prefix)} ` : ''}${i.subject === null ? '' : `<strong>${escapeHtml(shorten(i.subject))}</strong>: `}${escapeHtml(i.text)}</li>`);
  const more = section.items.length - MAX_LIST;
  return `<ul>${items.join('')}</ul>${more > 0 ? `<p>…and ${more} more in the full report.</p>` : ''}`;
}

function attachmentOf(digest: DeliveredRun['digest'], report: { file: string; content: string; kind: 'html' | 'markdown' }): EmailMessage['attachment'] {
  const ext = report.kind === 'html' ? 'html' : 'md';
  const name = path.basename(report.file, path.extname(report.file));
  return {
    filename: `${name}_${digest.period.start_date}_${digest.period.end_date}.${ext}`,
    content: report.content,
    contentType: report.kind === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8',
  };
}

export function buildEmail(run: DeliveredRun, report: { file: string; content: string; kind: 'html' | 'markdown' }): EmailMessage {
  const { digest } = run;
  const period = periodText(digest.period);
  const subject = `Team report ${period}`;
  // The digest's figures, as every channel states them.
  const rows = digestFigures(digest);
  const lists = sections(digest);
  const attachment = attachmentOf(digest, report);
  const where = `The full report is attached (${attachment.filename}); the run's files are in ${run.reports.dir}.`;

  const text = [
    subject,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    ...lists.flatMap((s) => ['', s.title, textList(s)]),
    '',
    where,
    '',
  ].join('\n');

  const cell = 'style="padding:2px 12px 2px 0;text-align:left"';
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><title>',
    escapeHtml(subject),
    '</title></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.4;color:#222">',
    `<h2 style="margin:0 0 8px">${escapeHtml(subject)}</h2>`,
    `<table role="presentation" style="border-collapse:collapse">${rows.map(([k, v]) => `<tr><th ${cell}>${escapeHtml(k)}</th><td ${cell}>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
    ...lists.map((s) => `<h3 style="margin:16px 0 4px">${escapeHtml(s.title)}</h3>${htmlList(s)}`),
    `<p style="color:#555">${escapeHtml(where)}</p>`,
    '</body></html>',
  ].join('');

  return { subject, text, html, attachment };
}
