/**
 * Checks the dates, months, years and relative times ("last week", "four years ago", "next
 * quarter") of a narrative against the period it covers and the dates its facts hold. A written
 * date must be a day of the period, of the previous period when the facts compare with it, or one
 * the facts name (a planned end, a completion date); a month or a year must be one those days fall
 * in; a relative time must point at such a day, counted from the period.
 *
 * Weekdays alone ("on Monday") and times of day are not checked: they say nothing a reader could
 * take for a fact about the calendar.
 */

export interface DateFinding {
  text: string;
  index: number;
  length: number;
  problem: string;
}

/** Days (UTC midnight epoch ms) and ranges of days the facts make true. */
export interface DateVocabulary {
  ranges: { start: number; end: number; label: string }[];
  days: number[];
}

const DAY = 86_400_000;
const ISO = /\b(\d{4})-(\d{2})-(\d{2})\b/g;

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_RE = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().slice(0, 3)));

const utc = (y: number, m: number, d: number) => Date.UTC(y, m, d);
const isoDay = (text: string): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const t = utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) ? null : t;
};
const isoText = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Every `{start_date, end_date}` of the facts is a range; every other ISO date a day. */
export function dateVocabulary(facts: Record<string, unknown>): DateVocabulary {
  const ranges: DateVocabulary['ranges'] = [];
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) return value.forEach((v) => visit(v, key));
    if (typeof value !== 'object' || value === null) return;
    const obj = value as Record<string, unknown>;
    const start = typeof obj.start_date === 'string' ? isoDay(obj.start_date) : null;
    const end = typeof obj.end_date === 'string' ? isoDay(obj.end_date) : null;
    if (start !== null && end !== null && end >= start) ranges.push({ start, end, label: key || 'period' });
    for (const [k, v] of Object.entries(obj)) visit(v, k);
  };
  visit(facts, '');
  const days = [...JSON.stringify(facts).matchAll(ISO)].map((m) => isoDay(m[0])).filter((t): t is number => t !== null);
  return { ranges, days: [...new Set(days)] };
}

/** Whether any true day lies in [from, to] (inclusive, epoch ms). */
function holds(vocab: DateVocabulary, from: number, to: number): boolean {
  return vocab.days.some((d) => d >= from && d <= to) || vocab.ranges.some((r) => r.start <= to && r.end >= from);
}

function describe(vocab: DateVocabulary): string {
  const parts = vocab.ranges.slice(0, 2).map((r) => `${r.label.replace(/_/g, ' ')} ${isoText(r.start)} to ${isoText(r.end)}`);
  const loose = vocab.days.filter((d) => !vocab.ranges.some((r) => d >= r.start && d <= r.end)).slice(0, 4).map(isoText);
  if (loose.length) parts.push(`dates ${loose.join(', ')}`);
  return parts.length ? `the facts cover ${parts.join('; ')}` : 'the facts hold no dates';
}

const WORD_NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, several: 3, few: 2, couple: 2 };
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, fortnight: 14, month: 30, quarter: 91, year: 365, decade: 3650 };
const unitDays = (unit: string) => UNIT_DAYS[unit.toLowerCase().replace(/s$/, '')] ?? 1;
const UNIT = '(days?|weeks?|fortnights?|months?|quarters?|years?|decades?)';
const COUNT = String.raw`(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|a couple of)`;
const countOf = (text: string) => (/^\d+$/.test(text) ? Number(text) : (WORD_NUMBERS[text.toLowerCase().replace(/^a (few|couple of)$/, '$1').replace(/ of$/, '')] ?? 1));

interface Span {
  start: number;
  end: number;
}

/** The period the narrative is about: the first range of the facts (the pack's own period). */
const periodOf = (vocab: DateVocabulary): Span | null => vocab.ranges[0] ?? null;

type Reader = { re: RegExp; window(m: RegExpExecArray, p: Span): Span | null; what: string };

const READERS: Reader[] = [
  {
    // 2026-11-30, 2026/11/30, 2026.11.30
    what: 'date',
    re: /(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])/g,
    window: (m) => day(utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]))),
  },
  {
    // "generated on 2025.8", "2025-08", "2025/8": a year and a month
    what: 'month',
    re: /(?<![\d.\-/])((?:19|20)\d{2})[-/.](\d{1,2})(?![\d.\-/]|\s*(?:h\b|hrs?\b|hours?\b|%))/g,
    window: (m) => month(Number(m[1]), Number(m[2]) - 1),
  },
  {
    // 30 November 2026, 30 Nov
    what: 'date',
    re: new RegExp(String.raw`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?${MONTH_RE}\b\.?(?:,?\s+(\d{4}))?`, 'gi'),
    window: (m, p) => dayIn(Number(m[1]), monthIndex(m[2]!), m[3] ? Number(m[3]) : null, p),
  },
  {
    // November 30, 2026; Nov 30
    what: 'date',
    re: new RegExp(String.raw`\b${MONTH_RE}\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:h|%|hours?))(?:,?\s+(\d{4}))?`, 'gi'),
    window: (m, p) => dayIn(Number(m[2]), monthIndex(m[1]!), m[3] ? Number(m[3]) : null, p),
  },
  {
    // November 2026, in November (a month name alone; "may" only with a year)
    what: 'month',
    re: new RegExp(String.raw`\b(?:(?!may\b)${MONTH_RE}|(may))\b(?:\s+(\d{4}))?`, 'gi'),
    window: (m, p) => {
      const name = m[1] ?? m[2]!;
      if (!/^\p{Lu}/u.test(name) && !m[3]) return null; // "mar", "dec" in lower case are not months
      if (m[2] && !m[3]) return null; // "May" alone is as often the verb
      return monthNear(monthIndex(name), m[3] ? Number(m[3]) : null, p);
    },
  },
  {
    // a year alone: 2025, "in 2026"; not a figure with a unit (the figures check reads those)
    what: 'year',
    re: /(?<![\p{L}\p{N}#.,:/\-–])((?:19|20)\d{2})(?![\p{N}.,:/\-–]\d|\s*(?:h\b|hrs?\b|hours?\b|%|min|entities|entries|tasks))/gu,
    window: (m) => ({ start: utc(Number(m[1]), 0, 1), end: utc(Number(m[1]), 11, 31) }),
  },
  {
    // four years ago, 3 weeks ago
    what: 'time',
    re: new RegExp(String.raw`\b${COUNT}\s+${UNIT}\s+(?:ago|earlier|before)\b`, 'gi'),
    window: (m, p) => back(p, countOf(m[1]!) * unitDays(m[2]!)),
  },
  {
    // in two weeks, within a month
    what: 'time',
    re: new RegExp(String.raw`\b(?:in|within)\s+(?:the\s+next\s+)?${COUNT}\s+${UNIT}(?!\s+(?:ago|before|earlier))\b`, 'gi'),
    window: (m, p) => ahead(p, countOf(m[1]!) * unitDays(m[2]!)),
  },
  {
    // next quarter, the coming weeks, upcoming sprint
    what: 'time',
    re: /\b(?:next|coming|upcoming|following)\s+(day|week|fortnight|month|quarter|year|sprint)s?\b/gi,
    window: (m, p) => calendarUnit(p.end, m[1]!, 1) ?? ahead(p, unitDays(m[1]!) * (m[1]!.toLowerCase() === 'sprint' ? 14 : 1)),
  },
  {
    // last week, previous month, the year before; "the past week" may be the period itself
    what: 'time',
    re: /\b(last|previous|prior|past)\s+(day|week|fortnight|month|quarter|year)\b/gi,
    window: (m, p) => (m[1]!.toLowerCase() !== 'past' ? calendarUnit(p.start, m[2]!, -1) : null) ?? previousUnit(p, unitDays(m[2]!), m[1]!.toLowerCase() === 'past'),
  },
  {
    what: 'time',
    re: /\b(tomorrow|yesterday|tonight)\b/gi,
    window: (m, p) => (m[1]!.toLowerCase() === 'tomorrow' ? day(p.end + DAY) : day(p.end - DAY)),
  },
];

/** The calendar month, quarter or year `offset` units from the one holding `t` (null for shorter units). */
function calendarUnit(t: number, unit: string, offset: number): Span | null {
  const months = { month: 1, quarter: 3, year: 12 }[unit.toLowerCase().replace(/s$/, '')];
  if (!months) return null;
  const d = new Date(t);
  const first = Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / months) * months + offset * months;
  return { start: utc(Math.floor(first / 12), first % 12, 1), end: utc(Math.floor((first + months) / 12), (first + months) % 12, 1) - DAY };
}

function day(t: number): Span | null {
  return Number.isNaN(t) ? null : { start: t, end: t };
}

function month(year: number, m: number): Span | null {
  if (m < 0 || m > 11) return null;
  return { start: utc(year, m, 1), end: utc(year, m + 1, 1) - DAY };
}

/** A day of a month without a year: in the period's year, or the one before or after (a period across New Year). */
function dayIn(d: number, m: number, year: number | null, p: Span | null): Span | null {
  if (m < 0 || d < 1 || d > 31) return null;
  if (year !== null) return day(utc(year, m, d));
  const y = new Date((p?.end ?? Date.now())).getUTCFullYear();
  return nearest([y - 1, y, y + 1].map((yy) => day(utc(yy, m, d))!), p);
}

function monthNear(m: number, year: number | null, p: Span | null): Span | null {
  if (year !== null) return month(year, m);
  const y = new Date((p?.end ?? Date.now())).getUTCFullYear();
  return nearest([y - 1, y, y + 1].map((yy) => month(yy, m)!), p);
}

/** Of the candidate spans, the one closest to the period. */
function nearest(spans: Span[], p: Span | null): Span {
  if (!p) return spans[1]!;
  const distance = (s: Span) => (s.end < p.start ? p.start - s.end : s.start > p.end ? s.start - p.end : 0);
  return [...spans].sort((a, b) => distance(a) - distance(b))[0]!;
}

/** About `days` before the period's end: a window of a quarter of that distance (at least a day) either side. */
function back(p: Span, days: number): Span {
  const at = p.end - days * DAY;
  const slack = Math.max(1, Math.round(days / 4)) * DAY;
  return { start: at - slack, end: at + slack };
}

function ahead(p: Span, days: number): Span {
  return { start: p.end + DAY, end: p.end + days * DAY };
}

/** "last week": the unit before the period (or, for "past", ending with it). A unit much larger than the period is not the previous period. */
function previousUnit(p: Span, days: number, past: boolean): Span {
  const length = (p.end - p.start) / DAY + 1;
  if (past && days <= length * 1.5 && days >= length * 0.5) return { start: p.start, end: p.end };
  return { start: p.start - days * DAY, end: p.start - DAY };
}

/** Every date, month, year or relative time of `text` that no day of the facts backs. */
export function checkDates(text: string, vocab: DateVocabulary): DateFinding[] {
  const period = periodOf(vocab);
  const out: DateFinding[] = [];
  const taken: [number, number][] = [];
  for (const reader of READERS) {
    reader.re.lastIndex = 0;
    for (let m = reader.re.exec(text); m; m = reader.re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken.some(([a, b]) => start < b && a < end)) continue;
      const relative = reader.what === 'time';
      if (relative && !period) continue;
      const span = reader.window(m, period ?? { start: Date.now(), end: Date.now() });
      if (!span) continue;
      taken.push([start, end]);
      if (holds(vocab, span.start, span.end)) continue;
      const written = m[0].trim();
      const problem = relative
        ? `"${written}" points to ${isoText(span.start)}${span.end !== span.start ? ` to ${isoText(span.end)}` : ''}, and ${describe(vocab)}`
        : `no ${reader.what} the facts hold (${describe(vocab)})`;
      out.push({ text: written, index: start, length: written.length, problem });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}
