/**
 * Checks an LLM's narrative against the fact pack it was given: every number that reads as hours,
 * minutes, days, a percentage or a count of things must be one the facts hold (at the rounding
 * shown: hours to 0.1 h, or to the whole hour when the text gives whole hours; percentages to 1),
 * and every entity id and every person it names as doing the work must exist in the data.
 *
 * A number is checked against the facts of what its sentence is about: when the sentence names a
 * person or an entity, against that person's or entity's facts (and the totals); otherwise against
 * all the facts. So "Zoë tracked 12.5 h" is wrong when Zoë's facts have no 12.5, even if another
 * entity happens to have 12.5 h.
 */

import { checkDates, dateVocabulary, type DateVocabulary } from './verify-dates.js';
import { checkNames, nameVocabulary, type NameVocabulary } from './verify-names.js';
import { normalise } from './verify-text.js';

export type ClaimKind = 'hours' | 'percent' | 'days' | 'count';

export interface Claim {
  kind: ClaimKind;
  /** In hours for hours and minutes. */
  value: number;
  /** Allowed difference from a fact. */
  tolerance: number;
  /** The text as written, e.g. "12.5 h". */
  text: string;
  index: number;
  length: number;
}

export interface Finding {
  /** A figure; an entity id, person or other name (proper noun, field value, quotation); a date or relative time. */
  kind: 'number' | 'name' | 'date';
  /** Section key. */
  section: string;
  /** The figure or name as written. */
  text: string;
  index: number;
  length: number;
  /** The sentence it is in (trimmed). */
  sentence: string;
  /** What the facts say instead, for the correction request. */
  problem: string;
}

type Values = Record<ClaimKind, number[]>;

const emptyValues = (): Values => ({ hours: [], percent: [], days: [], count: [] });

const WORD_NUMBERS: Record<string, number> = {
  zero: 0, no: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
};
const WORDS = Object.keys(WORD_NUMBERS).filter((w) => w !== 'no' && w !== 'zero' && w !== 'one').join('|');

const COUNT_NOUNS = [
  'entities', 'entity', 'tasks?', 'sub-?tasks?', 'bugs?', 'features?', 'requests?', 'stories', 'story', 'tickets?', 'issues?',
  'work items?', 'items?', 'time entries', 'entries', 'entry', 'people', 'persons?', 'members?', 'colleagues?', 'contributors?',
  'activities', 'activity', 'references?', 'projects?', 'comments?',
].join('|');

/** A number not glued to an id, a date, a time or a word: not after `#`, a letter, a digit, `.`, `:`, `/`, `-`. */
const NUM = String.raw`(?<![\p{L}\p{N}#.:/\-–_])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)`;
const WORD_NUM = String.raw`(?<![\p{L}\p{N}])(${WORDS})`;
const END = String.raw`(?![\p{L}\p{N}])`;

function parseNumber(text: string): { value: number; decimals: number } {
  let t = text;
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, '');
  else t = t.replace(',', '.');
  const decimals = t.includes('.') ? t.length - t.indexOf('.') - 1 : 0;
  return { value: Number(t), decimals };
}

interface Pattern {
  kind: ClaimKind;
  re: RegExp;
  read(m: RegExpExecArray): { value: number; tolerance: number }[] | null;
}

const hoursTolerance = (decimals: number) => (decimals === 0 ? 0.5 : 0.1);

const PATTERNS: Pattern[] = [
  {
    // 2 h 30 min, 2h30m, 2 hours and 30 minutes
    kind: 'hours',
    re: new RegExp(String.raw`${NUM}\s*(?:h|hrs?|hours?)\s*(?:and\s+)?(\d{1,2})\s*(?:m|mins?|minutes?)${END}`, 'giu'),
    read: (m) => [{ value: Number(m[1]) + Number(m[2]) / 60, tolerance: 0.1 }],
  },
  {
    kind: 'hours',
    re: new RegExp(String.raw`${NUM}\s*(?:-\s*)?(?:h|hrs?|hours?)${END}`, 'giu'),
    read: (m) => {
      const { value, decimals } = parseNumber(m[1]!);
      return [{ value, tolerance: hoursTolerance(decimals) }];
    },
  },
  {
    kind: 'hours',
    re: new RegExp(String.raw`${NUM}\s*(?:-\s*)?(?:mins?|minutes?)${END}`, 'giu'),
    read: (m) => [{ value: parseNumber(m[1]!).value / 60, tolerance: 0.1 }],
  },
  {
    kind: 'percent',
    re: new RegExp(String.raw`${NUM}\s*(?:%|percent${END}|per cent${END})`, 'giu'),
    read: (m) => [{ value: parseNumber(m[1]!).value, tolerance: 1 }],
  },
  {
    // "4 of 7 days", "4 of the period's 7 days"
    kind: 'days',
    re: new RegExp(String.raw`${NUM}\s+(?:out\s+)?of\s+(?:the\s+)?(?:period's\s+|period’s\s+)?(\d+)\s+(?:(?:active|working|calendar|business)\s+)?days?${END}`, 'giu'),
    read: (m) => [
      { value: Number(m[1]), tolerance: 0 },
      { value: Number(m[2]), tolerance: 0 },
    ],
  },
  {
    kind: 'days',
    re: new RegExp(String.raw`(?:${NUM}|${WORD_NUM})\s*(?:-\s*)?(?:(?:active|working|calendar|business)\s+)?days?${END}`, 'giu'),
    read: (m) => [{ value: m[1] !== undefined ? parseNumber(m[1]).value : WORD_NUMBERS[m[2]!.toLowerCase()]!, tolerance: 0 }],
  },
  {
    // "7 entities", "3 overdue tasks", "two people"; not "top 3 entities", not "one of the entities"
    kind: 'count',
    re: new RegExp(String.raw`(?<!\b(?:top|first|last|largest|biggest|next)\s)(?:${NUM}|${WORD_NUM})\s+(?:(?!of\b|the\b|or\b|and\b)[\p{L}-]+\s+){0,2}?(?:${COUNT_NOUNS})${END}`, 'giu'),
    read: (m) => [{ value: m[1] !== undefined ? parseNumber(m[1]).value : WORD_NUMBERS[m[2]!.toLowerCase()]!, tolerance: 0 }],
  },
];

/** The figures of a text that a reader takes as facts. */
export function extractClaims(text: string): Claim[] {
  const claims: Claim[] = [];
  const taken: [number, number][] = [];
  const overlaps = (a: number, b: number) => taken.some(([x, y]) => a < y && x < b);
  for (const pattern of PATTERNS) {
    pattern.re.lastIndex = 0;
    for (let m = pattern.re.exec(text); m; m = pattern.re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (overlaps(start, end)) continue;
      const read = pattern.read(m);
      if (!read) continue;
      taken.push([start, end]);
      for (const r of read) {
        if (!Number.isFinite(r.value)) continue;
        claims.push({ kind: pattern.kind, value: r.value, tolerance: r.tolerance, text: m[0].trim(), index: start, length: m[0].trimEnd().length });
      }
    }
  }
  return claims.sort((a, b) => a.index - b.index);
}

// ---------------------------------------------------------------------------------------------
// The facts
// ---------------------------------------------------------------------------------------------

function kindOfKey(key: string): ClaimKind[] {
  const k = key.toLowerCase();
  if (/pct|percent|share/.test(k)) return ['percent'];
  if (/hours/.test(k)) return ['hours'];
  if (/days/.test(k)) return ['days', 'count'];
  return ['count', 'days'];
}

function collect(value: unknown, key: string, into: Values): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    for (const kind of kindOfKey(key)) into[kind].push(value);
  } else if (typeof value === 'string') {
    // Figures inside texts (a description's "80%", a comment's "3 days") are facts too.
    if (/\d/.test(value)) for (const claim of extractClaims(value)) into[claim.kind].push(claim.value);
  } else if (Array.isArray(value)) {
    into.count.push(value.length);
    for (const item of value) collect(item, key, into);
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    // A cut list: its full length counts too.
    if (Array.isArray(obj.items) && typeof (obj.not_listed as { count?: unknown } | undefined)?.count === 'number') {
      into.count.push(obj.items.length + (obj.not_listed as { count: number }).count);
    }
    for (const [k, v] of Object.entries(obj)) collect(v, k, into);
  }
}

interface Subject {
  /** Normalised labels that name it in a sentence: its name, `#id`, a person's first name. */
  labels: string[];
  display: string;
  values: Values;
}

export interface FactIndex {
  all: Values;
  totals: Values;
  subjects: Subject[];
  /** Normalised names of people, for the names check. */
  people: Set<string>;
  /** Each normalised word of people's names. */
  personWords: Set<string>;
  /** Normalised texts any mention may come from (entity names, activities, types, projects …). */
  texts: string[];
  ids: Set<string>;
  /** The names, field values and quotable texts the facts and the prompt hold. */
  vocabulary: NameVocabulary;
  /** The days and ranges of days the facts hold. */
  dates: DateVocabulary;
}

export { normalise };

export interface KnownData {
  /** Everyone in the data (not only the ones in the fact pack). */
  people: string[];
  /** Every entity id in the data. */
  ids: string[];
  /** Other names a text may use: entity names, activities, types, projects, states. */
  texts: string[];
}

/** `prompt`: the text the model was sent, whose words it may repeat (product names, section titles). */
export function indexFacts(facts: Record<string, unknown>, known: KnownData, prompt = ''): FactIndex {
  const all = emptyValues();
  collect(facts, '', all);
  const totals = emptyValues();
  for (const [k, v] of Object.entries(facts)) {
    if (k === 'totals' || typeof v === 'number') collect(v, k, totals);
  }
  const subjects: Subject[] = [];
  const firstNames = new Map<string, number>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const obj = value as Record<string, unknown>;
    const name = typeof obj.name === 'string' ? obj.name : typeof obj.activity === 'string' ? obj.activity : null;
    if (name !== null && name.trim()) {
      const values = emptyValues();
      collect(obj, '', values);
      const labels = [normalise(name)];
      if (typeof obj.id === 'string' || typeof obj.id === 'number') labels.push(`#${obj.id}`);
      else if (typeof obj.name === 'string') {
        const first = normalise(name).split(' ')[0] ?? '';
        if (first.length >= 3) firstNames.set(first, (firstNames.get(first) ?? 0) + 1);
      }
      subjects.push({ labels: labels.filter(Boolean), display: typeof obj.id === 'string' || typeof obj.id === 'number' ? `#${obj.id} ${name}` : name, values });
    }
    for (const v of Object.values(obj)) visit(v);
  };
  visit(facts);
  // A first name alone names a person when no one else in the facts shares it.
  for (const s of subjects) {
    if (s.labels.some((l) => l.startsWith('#'))) continue;
    const first = s.labels[0]?.split(' ')[0] ?? '';
    if (first.length >= 3 && firstNames.get(first) === 1 && first !== s.labels[0]) s.labels.push(first);
  }
  // The person of a person report is the whole pack.
  if (typeof facts.person === 'string') {
    const name = normalise(facts.person);
    const labels = [name];
    const first = name.split(' ')[0] ?? '';
    if (first.length >= 3 && first !== name) labels.push(first);
    subjects.push({ labels, display: facts.person, values: all });
  }
  const people = new Set(known.people.map(normalise));
  // References inside texts (a comment's "PR #417") may be repeated too.
  const ids = new Set(known.ids.map(String));
  for (const m of JSON.stringify(facts).matchAll(/#(\d+)/g)) ids.add(m[1]!);
  const personWords = new Set([...people].flatMap((p) => p.split(' ')).filter((w) => w.length >= 2));
  return {
    all,
    totals,
    subjects,
    people,
    personWords,
    texts: [...known.texts, ...known.people].map(normalise).filter(Boolean),
    ids,
    vocabulary: nameVocabulary(facts, [...known.texts, ...known.people], prompt),
    dates: dateVocabulary(facts),
  };
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

/** Sentences (and list items) with their offsets. */
function sentences(text: string): { text: string; index: number }[] {
  const out: { text: string; index: number }[] = [];
  const re = /[^\n]+/g;
  for (let line = re.exec(text); line; line = re.exec(text)) {
    const parts = line[0].split(/(?<=[.!?;])\s+(?=[\p{Lu}\p{N}"“(*#])/u);
    let offset = line.index;
    for (const part of parts) {
      const at = text.indexOf(part, offset);
      out.push({ text: part, index: at });
      offset = at + part.length;
    }
  }
  return out;
}

function mentions(sentence: string, label: string): boolean {
  if (label.startsWith('#')) return new RegExp(`${label}(?![0-9])`).test(sentence);
  if (label.length < 2) return false;
  return ` ${sentence} `.includes(` ${label} `);
}

const fmt = (kind: ClaimKind, v: number) => (kind === 'hours' ? `${v.toFixed(1)} h` : kind === 'percent' ? `${v}%` : String(v));

function matches(claim: Claim, values: number[]): boolean {
  return values.some((v) => Math.abs(v - claim.value) <= claim.tolerance + 1e-9);
}

function expected(claim: Claim, values: number[]): string {
  const unique = [...new Set(values)].slice(0, 8);
  const label = { hours: 'hours', percent: 'percentages', days: 'day counts', count: 'counts' }[claim.kind];
  return unique.length ? `${label} there: ${unique.map((v) => fmt(claim.kind, v)).join(', ')}` : `no ${label} there`;
}

const STOP_WORDS = new Set(
  'the this that these those it he she they we you i everyone everybody nobody no none each every most some all team both neither either one two three overall total together only also other others another their his her its our most much many several few work time'.split(' '),
);
const WORK_VERBS = 'tracked|logged|spent|worked|recorded|focused|focussed|contributed|completed|delivered|led|handled|closed|fixed|finished|shipped|resolved|reviewed|owns|owned|dedicated|put';
const NAME_WORD = String.raw`\p{Lu}[\p{Ll}\p{Lu}'’-]*`;
const PERSON_SUBJECT = new RegExp(String.raw`(?<![\p{L}\p{N}])(${NAME_WORD}(?:\s+${NAME_WORD}){0,2})(?:['’]s)?\s+(?:also\s+|mainly\s+|mostly\s+)?(?:${WORK_VERBS})\b`, 'gu');
const BOLD_LEAD = /^[ \t]*[-*+][ \t]+\*\*([^*\n]{2,80}?)\*\*/gmu;

function knownName(candidate: string, index: FactIndex): boolean {
  const n = normalise(candidate);
  if (!n) return true;
  if (index.people.has(n)) return true;
  for (const person of index.people) if (` ${n} `.includes(` ${person} `)) return true;
  const words = n.split(' ');
  if (words.every((w) => index.personWords.has(w))) return true;
  return index.texts.some((t) => ` ${t} `.includes(` ${n} `));
}

export interface VerifyOptions {
  /** Sections whose bullets start with a person's name in bold (per-person summaries). */
  peopleSections?: string[];
}

/** Every figure and name of the sections that the facts do not back. */
export function verifySections(sections: Record<string, string>, index: FactIndex, options: VerifyOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const [key, text] of Object.entries(sections)) {
    for (const sentence of sentences(text)) {
      const norm = normalise(sentence.text);
      const about = index.subjects.filter((s) => s.labels.some((l) => mentions(norm, l)));
      let scope: Values;
      if (about.length) {
        scope = emptyValues();
        for (const s of [...about.map((a) => a.values), index.totals]) for (const k of Object.keys(scope) as ClaimKind[]) scope[k].push(...s[k]);
      } else scope = index.all;
      const whose = [...new Set(about.map((s) => s.display))].slice(0, 3).join(', ');
      for (const claim of extractClaims(sentence.text)) {
        if (matches(claim, scope[claim.kind])) continue;
        const inAll = about.length && matches(claim, index.all[claim.kind]);
        const problem = about.length
          ? `the facts of ${whose} have no such figure (${expected(claim, about.flatMap((s) => s.values[claim.kind]))})${inAll ? '; it belongs to something else in the facts' : ''}`
          : `no such figure in the facts`;
        findings.push({ kind: 'number', section: key, text: claim.text, index: sentence.index + claim.index, length: claim.length, sentence: sentence.text.trim(), problem });
      }
    }
    // Entity ids.
    for (const m of text.matchAll(/(?<![\p{L}\p{N}&])#(\d+)\b/gu)) {
      if (index.ids.has(m[1]!)) continue;
      findings.push({ kind: 'name', section: key, text: m[0], index: m.index, length: m[0].length, sentence: lineAt(text, m.index), problem: `there is no entity #${m[1]} in the data` });
    }
    // People named as doing the work, and the bold names leading the bullets of per-person sections.
    const candidates: { name: string; index: number }[] = [];
    for (const m of text.matchAll(PERSON_SUBJECT)) {
      const words = m[1]!.split(/\s+/);
      while (words.length && STOP_WORDS.has(normalise(words[0]!))) words.shift();
      // One capitalised word before "spent" is as often a team or a topic as a first name: only
      // full names are checked.
      if (words.length < 2) continue;
      const name = words.join(' ');
      candidates.push({ name, index: m.index + m[1]!.length - name.length });
    }
    if (options.peopleSections?.includes(key)) {
      for (const m of text.matchAll(BOLD_LEAD)) candidates.push({ name: m[1]!.replace(/[:：]\s*$/, '').trim(), index: m.index + m[0].indexOf(m[1]!) });
    }
    for (const c of candidates) {
      if (knownName(c.name, index)) continue;
      if (findings.some((f) => f.kind === 'name' && f.index === c.index)) continue;
      findings.push({ kind: 'name', section: key, text: c.name, index: c.index, length: c.name.length, sentence: lineAt(text, c.index), problem: `no one called "${c.name}" is in the data` });
    }
    const taken = (i: number, n: number) => findings.some((f) => f.section === key && i < f.index + f.length && f.index < i + n);
    for (const d of checkDates(text, index.dates)) {
      if (!taken(d.index, d.length)) findings.push({ kind: 'date', section: key, ...d, sentence: lineAt(text, d.index) });
    }
    for (const n of checkNames(text, index.vocabulary)) {
      if (!taken(n.index, n.length)) findings.push({ kind: 'name', section: key, ...n, sentence: lineAt(text, n.index) });
    }
  }
  return findings;
}

function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? text.length : end).trim();
}

export const UNVERIFIED_MARK = '*(unverified)*';

/** The text with each finding's figure or name followed by `*(unverified)*`. */
export function markUnverified(text: string, findings: readonly Finding[]): string {
  let out = text;
  const ordered = [...findings].sort((a, b) => b.index + b.length - (a.index + a.length));
  const done = new Set<number>();
  for (const f of ordered) {
    const at = f.index + f.length;
    if (done.has(at) || out.slice(f.index, at) !== f.text.slice(0, f.length)) continue;
    done.add(at);
    out = `${out.slice(0, at)} ${UNVERIFIED_MARK}${out.slice(at)}`;
  }
  return out;
}
