/**
 * What an LLM's answer is before anything reads it: its reasoning (`<think>…</think>`, which local
 * reasoning models put in the text) taken out, and whether what is left is prose at all. A small
 * model answers with its own prompt, with "I'm ready to help", with a Python traceback or the same
 * sentence ten times; none of that is a report, whatever its figures.
 */
import { ApiError } from '../errors.js';

/** An answer with no text (a 200 whose content is empty): the caller may ask once more. */
export class EmptyAnswerError extends ApiError {
  override name = 'EmptyAnswerError';
}

const REASONING_TAGS = ['think', 'thinking', 'reasoning', 'reflection'];

/**
 * The answer without its reasoning blocks. An opening tag never closed (the model ran out of
 * tokens while thinking) takes the rest of the answer with it; a lone closing tag (the server
 * stripped the opening one) takes everything before it.
 */
export function stripReasoning(text: string): string {
  let out = text;
  for (const tag of REASONING_TAGS) {
    out = out.replace(new RegExp(`<${tag}\\b[^>]*>[\\s\\S]*?</${tag}>`, 'gi'), '');
    const open = out.search(new RegExp(`<${tag}\\b[^>]*>`, 'i'));
    if (open >= 0) out = out.slice(0, open);
    const close = new RegExp(`</${tag}>`, 'i').exec(out);
    if (close) out = out.slice(close.index + close[0].length);
  }
  return out.trim();
}

/** Lower case, letters and digits, one space between words. */
const flat = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Sentences and lines of at least `minWords` words, flattened. */
function sentencesOf(text: string, minWords: number): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/u)
    .map(flat)
    .filter((s) => s.split(' ').length >= minWords);
}

/** The model talking about itself or the task instead of writing the report. */
const SELF_TALK = [
  /\bI(?:'|’)?m (?:ready|happy|glad|here) to help\b/i,
  /\bI am (?:ready|happy|glad|here) to help\b/i,
  /\bas an (?:AI|artificial intelligence|AI language model)\b/i,
  /\bas a (?:large )?language model\b/i,
  /\bthe user (?:wants|asks|asked|is asking|has asked|needs|provided|requests)\b/i,
  /\b(?:let me|I(?:'|’)ll|I will|I need to|I should) (?:think|start by|first|now write|write the|analy[sz]e the|look at the|go through the|check the facts)\b/i,
  /\b(?:please )?(?:provide|give|send|share) (?:me )?(?:the|your) (?:data|facts|details|json|information)\b/i,
  /\bI (?:cannot|can(?:'|’)t|am unable to) (?:help|assist|do that|complete|write)\b/i,
  /\bhow can I (?:help|assist)\b/i,
];

/** Output of a program, not prose. */
const GARBAGE = [/\bTraceback \(most recent call/i, /^\s*File "[^"]+", line \d+/m, /\b(?:SyntaxError|TypeError|ValueError|KeyError|NullPointerException):/, /\bundefined is not a function\b/i, /\blorem ipsum\b/i];

export interface ProseContext {
  /** The texts the model was sent (system prompt, user prompt, correction request): an answer repeating them echoes. */
  prompts: readonly string[];
}

/**
 * Why a text is not prose a report can use, or null when it is: empty, self-talk, a program's
 * output, heavy repetition, an echo of the prompt.
 */
export function proseProblem(text: string, context: ProseContext): string | null {
  const t = text.trim();
  if (!t || !/\p{L}/u.test(t)) return 'it is empty';
  if (SELF_TALK.some((re) => re.test(t))) return 'it talks about itself or the task instead of the report';
  if (GARBAGE.some((re) => re.test(t))) return 'it is program output, not prose';
  const wordish = (t.match(/[\p{L}\p{N}\s]/gu) ?? []).length;
  if (t.length >= 40 && wordish / t.length < 0.6) return 'it is mostly symbols, not prose';
  const repeated = repetition(t);
  if (repeated) return repeated;
  return echo(t, context.prompts);
}

/**
 * A sentence three times, a third of the sentences repeats of others, or a loop of words (the
 * same three words six times or more, together two fifths of the text).
 */
function repetition(text: string): string | null {
  const words = flat(text).split(' ').filter(Boolean);
  if (words.length >= 24) {
    const triples = new Map<string, number>();
    for (let i = 0; i + 2 < words.length; i++) {
      const t = words.slice(i, i + 3).join(' ');
      triples.set(t, (triples.get(t) ?? 0) + 1);
    }
    const most = Math.max(...triples.values());
    if (most >= 6 && (most * 3) / words.length >= 0.4) return 'it repeats itself';
  }
  const sentences = sentencesOf(text, 4);
  if (sentences.length < 3) return null;
  const counts = new Map<string, number>();
  for (const s of sentences) counts.set(s, (counts.get(s) ?? 0) + 1);
  const max = Math.max(...counts.values());
  const repeats = sentences.length - counts.size;
  if (max >= 3 || repeats / sentences.length >= 1 / 3) return 'it repeats itself';
  return null;
}

/** Half the sentences (or two, when it has few) taken word for word from what the model was sent. */
function echo(text: string, prompts: readonly string[]): string | null {
  const sentences = sentencesOf(text, 5);
  if (!sentences.length) return null;
  const source = ` ${prompts.map(flat).join(' ')} `;
  const echoed = sentences.filter((s) => source.includes(` ${s} `)).length;
  if (echoed >= 2 && echoed / sentences.length >= 0.5) return 'it repeats the request it was sent';
  if (echoed === 1 && sentences.length === 1) return 'it repeats the request it was sent';
  return null;
}
