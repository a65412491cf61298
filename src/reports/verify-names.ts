/**
 * Checks the proper nouns and quoted values of a narrative against the vocabulary its facts and
 * prompt make explicit: the people, entities, projects, types, states and field values a report
 * was written from. A model that writes "Firebug toolset" or `Severity="P1"` when no fact holds
 * them has invented them.
 *
 * Telling a proper noun from a capitalised common word, without a dictionary:
 * - the first word of a sentence, a list item, a line or what follows a colon is capitalised by
 *   grammar: alone it is not a candidate (a name there is usually named again mid-sentence);
 * - a heading-like line (every word capitalised, or only bold) is not checked;
 * - a small stop-list (pronouns, sentence adverbs, weekdays, months, common acronyms) is never a name;
 * - a word the answer also writes in lower case, or that the facts or the prompt hold, is known.
 * What remains, a capitalised run of words mid-sentence that neither facts nor prompt hold, is marked.
 */
import { normalise } from './verify-text.js';

export interface NameFinding {
  text: string;
  index: number;
  length: number;
  problem: string;
}

/** What a report may name: every text of its facts and prompt, their words, and each field's values. */
export interface NameVocabulary {
  /** Normalised texts (entity names, projects, types, states, comments, the prompt's lines). */
  texts: string[];
  /** Every normalised word of those texts, and of the facts' keys. */
  words: Set<string>;
  /** Field (fact key) → the normalised values it has anywhere in the facts. */
  fields: Map<string, Set<string>>;
}

/** The vocabulary of a fact pack, the names the report's data holds, and the prompt text. */
export function nameVocabulary(facts: Record<string, unknown>, texts: readonly string[], prompt = ''): NameVocabulary {
  const all: string[] = [...texts];
  const fields = new Map<string, Set<string>>();
  const keys: string[] = [];
  const addField = (key: string, value: string) => {
    const k = normalise(key.replace(/_/g, ' '));
    if (!k) return;
    const set = fields.get(k) ?? new Set<string>();
    set.add(normalise(value));
    fields.set(k, set);
  };
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      all.push(value);
      if (key) addField(key, value);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      if (key) addField(key, String(value));
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        keys.push(k);
        visit(v, k);
      }
    }
  };
  visit(facts, '');
  for (const line of prompt.split('\n')) if (line.trim() && !line.trimStart().startsWith('{')) all.push(line);
  const normalised = [...new Set(all.map(normalise).filter(Boolean))];
  const words = new Set<string>();
  for (const t of [...normalised, ...keys.map((k) => normalise(k.replace(/_/g, ' ')))]) for (const w of t.split(' ')) if (w) words.add(w);
  // The prompt's JSON is parsed above; its raw text (keys, quotes) would only add noise.
  for (const m of prompt.matchAll(/[\p{L}][\p{L}\p{N}'’-]*/gu)) words.add(normalise(m[0]));
  return { texts: normalised, words, fields };
}

/** Never names: grammar, weekdays and months (dates are checked on their own), everyday acronyms. */
const STOP = new Set(
  (
    'i me my we our us you your he him his she her they them their it its this that these those there here ' +
    'a an the and or but nor so yet for of in on at to by with from into onto over under about after before during since until while ' +
    'all any both each every either neither no none not nothing some most much many more less few several other another such ' +
    'also however meanwhile overall additionally finally furthermore moreover therefore thus still then instead otherwise indeed ' +
    'first second third next last previous total totals team everyone nobody someone summary note notes yes ok okay ' +
    'monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun ' +
    'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'pr prs qa ui ux api apis ci cd mvp okr okrs kpi kpis eta fyi tbd id ids url sql am pm utc gmt html css json csv pdf it hr ' +
    'wip eod asap sla rca poc faq tldr etc ie eg vs n a ' +
    'h hrs min mins q1 q2 q3 q4'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
const isCapitalised = (w: string) => /^\p{Lu}/u.test(w) || /^\p{Ll}+\p{Lu}/u.test(w);
const stripPossessive = (w: string) => w.replace(/['’]s$/u, '').replace(/['’-]+$/u, '');

interface Word {
  text: string;
  index: number;
  /** First word of a sentence, list item, line, parenthesis or after a colon. */
  initial: boolean;
}

/** The words of one line with whether grammar capitalises them. */
function wordsOf(line: string, offset: number): Word[] {
  const out: Word[] = [];
  let last = 0;
  for (const m of line.matchAll(WORD)) {
    const gap = line.slice(last, m.index).replace(/[*_\s]/g, '');
    const initial = out.length === 0 || /[.!?:;([“"«]$/.test(gap);
    out.push({ text: m[0], index: offset + m.index, initial });
    last = m.index + m[0].length;
  }
  return out;
}

/** A heading or a label line: only bold, or every word of two or more capitalised. */
function headingLike(line: string): boolean {
  const t = line.trim();
  if (/^\*\*[^*]+\*\*:?$/.test(t) || /^#{1,6}\s/.test(t)) return true;
  const words = t.match(WORD) ?? [];
  return words.length >= 2 && words.length <= 8 && words.every((w) => isCapitalised(w) || STOP.has(w.toLowerCase())) && !/[.!?]$/.test(t);
}

function knownRun(run: string, vocab: NameVocabulary, lowerInAnswer: Set<string>): boolean {
  const n = normalise(run);
  if (!n) return true;
  if (vocab.texts.some((t) => ` ${t} `.includes(` ${n} `))) return true;
  return n.split(' ').every((w) => vocab.words.has(w) || lowerInAnswer.has(w) || STOP.has(w) || /^\d+$/.test(w));
}

/** Capitalised runs mid-sentence that neither the facts nor the prompt hold. */
function checkProperNouns(text: string, vocab: NameVocabulary): NameFinding[] {
  const lowerInAnswer = new Set([...text.matchAll(WORD)].map((m) => m[0]).filter((w) => /^\p{Ll}/u.test(w)).map((w) => normalise(stripPossessive(w))));
  const out: NameFinding[] = [];
  const lineRe = /[^\n]+/g;
  for (let line = lineRe.exec(text); line; line = lineRe.exec(text)) {
    if (headingLike(line[0])) continue;
    const words = wordsOf(line[0], line.index);
    for (let i = 0; i < words.length; ) {
      if (!isCapitalised(words[i]!.text)) {
        i++;
        continue;
      }
      // A run: capitalised words separated by one space or a hyphen.
      let j = i + 1;
      while (j < words.length && isCapitalised(words[j]!.text) && /^[ \t-]$/.test(text.slice(words[j - 1]!.index + words[j - 1]!.text.length, words[j]!.index))) j++;
      let run = words.slice(i, j);
      while (run.length && STOP.has(normalise(stripPossessive(run[0]!.text)))) run = run.slice(1);
      while (run.length && STOP.has(normalise(stripPossessive(run[run.length - 1]!.text)))) run = run.slice(0, -1);
      i = j;
      if (!run.length) continue;
      // Grammar capitalises the first word of a sentence: alone there it is no name.
      if (run.length === 1 && run[0]!.initial) continue;
      const first = run[0]!;
      const lastWord = run[run.length - 1]!;
      const written = text.slice(first.index, lastWord.index + stripPossessive(lastWord.text).length);
      if (knownRun(written, vocab, lowerInAnswer)) continue;
      out.push({ text: written, index: first.index, length: written.length, problem: `no person, entity, project, type or state called "${written}" is in the facts` });
    }
  }
  return out;
}

const QUOTED = /["“„«]([^"“”„«»\n]{1,80})["”»]/gu;
const FIELD_VALUE = /(?<![\p{L}\p{N}])(\p{L}[\p{L}\p{N} ]{0,30}?)\s*(?:=|:)\s*(?:["“]([^"”\n]{1,60})["”]|(?<![\p{L}])(?=[^\s"“])([\p{L}\p{N}][\p{L}\p{N}_-]*)(?=[\s,;.)]|$))/gu;

/** "and Root cause" → "Root cause": leading grammar words, and lower-case words before a capitalised label, are not the field. */
function fieldLabel(text: string): string {
  let words = text.trim().split(/\s+/);
  while (words.length && STOP.has(words[0]!.toLowerCase())) words = words.slice(1);
  const cap = words.findIndex(isCapitalised);
  if (cap > 0) words = words.slice(cap);
  return words.join(' ');
}

/** `Severity="P1"`, `Root cause=Impacted`, `State: "Done"`: the field must exist and have that value. */
function checkFieldValues(text: string, vocab: NameVocabulary): NameFinding[] {
  const out: NameFinding[] = [];
  for (const m of text.matchAll(FIELD_VALUE)) {
    const quoted = m[2] !== undefined;
    // Only `=` pairs, or a colon before a quote: "Note: Done" is prose.
    const sep = text.slice(m.index + m[1]!.length, m.index + m[0].length).trimStart()[0];
    if (sep === ':' && !quoted) continue;
    const label = fieldLabel(m[1]!);
    if (!label) continue;
    const field = normalise(label);
    const value = (m[2] ?? m[3])!;
    const valueAt = m.index + m[0].lastIndexOf(value);
    const values = [...vocab.fields.entries()].filter(([k]) => k === field || k.endsWith(` ${field}`)).flatMap(([, v]) => [...v]);
    if (!values.length) {
      if (sep === ':') continue; // a quotation after a label; the quotes check reads it
      const labelAt = m.index + m[1]!.lastIndexOf(label);
      const pair = text.slice(labelAt, valueAt + value.length + (quoted ? 1 : 0));
      out.push({ text: pair, index: labelAt, length: pair.length, problem: `the facts have no field "${label}"` });
      continue;
    }
    const v = normalise(value);
    // An unquoted value is read to its first word: "Root cause=Config drift" reads "Config".
    if (values.some((x) => x === v || (!quoted && x.startsWith(`${v} `)))) continue;
    const shown = [...new Set(values)].slice(0, 6).map((v) => `"${v}"`).join(', ');
    out.push({ text: value, index: valueAt, length: value.length, problem: `"${label}" is never "${value}" in the facts (values there: ${shown})` });
  }
  return out;
}

/** A quotation must be a text the facts or the prompt hold. */
function checkQuotes(text: string, vocab: NameVocabulary): NameFinding[] {
  const out: NameFinding[] = [];
  for (const m of text.matchAll(QUOTED)) {
    const inner = m[1]!.trim();
    const n = normalise(inner);
    if (!/\p{L}/u.test(inner) || !n) continue;
    if (vocab.texts.some((t) => t.includes(n))) continue;
    const at = m.index + m[0].indexOf(inner);
    out.push({ text: inner, index: at, length: inner.length, problem: `the facts hold no text "${inner}"` });
  }
  return out;
}

/** Every proper noun, field value or quotation of `text` the vocabulary does not hold. */
export function checkNames(text: string, vocab: NameVocabulary): NameFinding[] {
  const found = [...checkFieldValues(text, vocab), ...checkQuotes(text, vocab), ...checkProperNouns(text, vocab)];
  const out: NameFinding[] = [];
  for (const f of found.sort((a, b) => a.index - b.index)) {
    if (out.some((o) => f.index < o.index + o.length && o.index < f.index + f.length)) continue;
    out.push(f);
  }
  return out;
}
