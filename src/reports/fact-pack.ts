/**
 * The compact fact pack (JSON) an LLM writes a report from, cut to a token budget: every list
 * keeps its largest items whole and sums up the rest in `not_listed`, so a person with 300
 * entities or a team of 200 does not overflow the model, and the report can say what the LLM saw
 * only as totals.
 *
 * Tokens are estimated, not counted: 4 characters a token for ASCII text (what OpenAI and
 * Anthropic document as the rule of thumb for English) and 2 for other characters (Cyrillic,
 * accented or CJK text tokenises worse), which errs on the side of a smaller prompt.
 */
import type { TogglAggregated } from '../storage/schemas.js';
import { percentValue, roundHours } from './format.js';

/**
 * Estimated tokens of a text: `charsPerToken` ASCII characters a token (4, the hosted APIs' rule
 * of thumb; 3 for an OpenAI-compatible server, whose small models' tokenizers split JSON finer:
 * SmolLM2's runs about 25 % above the 4-character rule), half as many for other characters.
 */
export function estimateTokens(text: string, charsPerToken = 4): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / charsPerToken + other / (charsPerToken / 2));
}

export interface FactList<T> {
  /** Top-level key of the list in the pack. */
  key: string;
  /** What one item is: ['entity', 'entities']. */
  noun: readonly [string, string];
  /** Largest first: the ones kept whole when the list is cut. */
  items: readonly T[];
  whole(item: T): unknown;
  /** Tracked seconds of an item: `not_listed` gives the hours of what was left out. */
  seconds?(item: T): number;
  /** More about the items left out (counts by type or status …), merged into `not_listed`. */
  summarise?(rest: readonly T[]): Record<string, unknown>;
}

export interface FactPackSpec {
  /** The fixed part: period, totals, distributions. */
  base: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- lists of different item types
  lists: FactList<any>[];
}

export interface SummarisedList {
  key: string;
  noun: readonly [string, string];
  listed: number;
  total: number;
  /** Hours of the items not listed, when the list knows its items' seconds. */
  rest_hours: number | null;
}

export interface FactPack {
  facts: Record<string, unknown>;
  json: string;
  tokens: number;
  summarised: SummarisedList[];
}

/** The pack with the first `limits[key]` items of each list whole (all of them without a limit). */
export function buildFactPack(spec: FactPackSpec, limits: Record<string, number> = {}, charsPerToken = 4): FactPack {
  const facts: Record<string, unknown> = { ...spec.base };
  const summarised: SummarisedList[] = [];
  for (const list of spec.lists) {
    const limit = Math.max(0, Math.min(list.items.length, limits[list.key] ?? list.items.length));
    const listed = list.items.slice(0, limit);
    const rest = list.items.slice(limit);
    const value: Record<string, unknown> = { items: listed.map((item) => list.whole(item)) };
    if (rest.length) {
      const seconds = list.seconds;
      const restHours = seconds ? roundHours(rest.reduce((s, item) => s + seconds(item), 0)) : null;
      value.not_listed = { count: rest.length, ...(restHours !== null ? { hours: restHours } : {}), ...(list.summarise?.(rest) ?? {}) };
      summarised.push({ key: list.key, noun: list.noun, listed: limit, total: list.items.length, rest_hours: restHours });
    }
    facts[list.key] = value;
  }
  const json = JSON.stringify(facts);
  return { facts, json, tokens: estimateTokens(json, charsPerToken), summarised };
}

/**
 * The pack within `budgetTokens`: while it is too large, the list whose listed items take the most
 * room gives up its smallest items (a quarter of them at a time, one at a time when few are left).
 * When even empty lists do not fit, the smallest possible pack is returned.
 */
export function fitFactPack(spec: FactPackSpec, budgetTokens: number, charsPerToken = 4): FactPack {
  const limits: Record<string, number> = Object.fromEntries(spec.lists.map((l) => [l.key, l.items.length]));
  let pack = buildFactPack(spec, limits, charsPerToken);
  while (pack.tokens > budgetTokens) {
    let target: FactList<unknown> | null = null;
    let targetSize = 0;
    for (const list of spec.lists) {
      const limit = limits[list.key] ?? 0;
      if (limit === 0) continue;
      const size = JSON.stringify((pack.facts[list.key] as { items: unknown[] }).items).length;
      if (size > targetSize) [target, targetSize] = [list, size];
    }
    if (!target) break;
    const limit = limits[target.key] ?? 0;
    limits[target.key] = limit > 8 ? Math.floor(limit * 0.75) : limit - 1;
    pack = buildFactPack(spec, limits, charsPerToken);
  }
  return pack;
}

const nounOf = (s: SummarisedList, n: number) => (n === 1 ? s.noun[0] : s.noun[1]);

/** "the 40 largest of 300 entities in full and the other 260 (45.5 h) only as totals", one phrase per cut list. */
export function describeSummarised(summarised: readonly SummarisedList[]): string[] {
  return summarised.map((s) => {
    const rest = s.total - s.listed;
    const hours = s.rest_hours !== null ? ` (${s.rest_hours.toFixed(1)} h)` : '';
    return s.listed === 0
      ? `all ${s.total} ${nounOf(s, s.total)}${hours} only as totals`
      : `the ${s.listed} largest of ${s.total} ${nounOf(s, s.total)} in full and the other ${rest}${hours} only as totals`;
  });
}

/** The prompt's note about a cut fact pack (empty when nothing was cut). */
export function summarisedPromptNote(summarised: readonly SummarisedList[]): string {
  if (!summarised.length) return '';
  return `To fit the prompt, the facts give ${describeSummarised(summarised).join('; ')}: their "not_listed" entries sum up the rest, so describe those only as a group.`;
}

/** The team totals every fact pack starts from, rounded as the reports' tables show them. */
export function teamTotalsFacts(totals: TogglAggregated['totals']) {
  const total = totals.total_seconds;
  return {
    hours: roundHours(total),
    on_entities_hours: roundHours(totals.matched_seconds),
    on_entities_pct: percentValue(totals.matched_seconds, total),
    other_hours: roundHours(totals.unmatched_seconds),
    other_pct: percentValue(totals.unmatched_seconds, total),
    people: totals.users,
    entries: totals.entries,
    entities: totals.entities,
  };
}
