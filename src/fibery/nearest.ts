/**
 * The names nearest to one that does not exist (a configured field or type), for "did you mean"
 * lines: names that contain it or that it contains first (`Release Date` → `Planned Release Date`,
 * `Actual Release Date`), then names sharing most words, then the smallest edit distance. Ties
 * keep the order the names were given in (the schema's order).
 */

const normal = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
const wordsOf = (s: string): Set<string> => new Set(s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean));

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Lower is nearer; null when the candidate has nothing in common worth suggesting. */
function distance(wanted: string, candidate: string): number | null {
  const w = normal(wanted);
  const c = normal(candidate);
  if (!w || !c) return null;
  if (c.includes(w) || w.includes(c)) return 0;
  const ws = wordsOf(wanted);
  const shared = [...wordsOf(candidate)].filter((x) => ws.has(x)).length;
  const edits = editDistance(w, c);
  if (shared === 0 && edits > Math.max(2, Math.floor(w.length / 3))) return null;
  return 1 + (shared > 0 ? 1 / (1 + shared) : 1) + edits / Math.max(w.length, c.length);
}

export function nearestNames(wanted: string, candidates: readonly string[], max = 2): string[] {
  const scored = [...new Set(candidates)]
    .filter((c) => c !== wanted)
    .map((name, index) => ({ name, index, d: distance(wanted, name) }))
    .filter((x): x is { name: string; index: number; d: number } => x.d !== null);
  scored.sort((a, b) => a.d - b.d || a.index - b.index);
  return scored.slice(0, max).map((x) => x.name);
}

/** `did you mean "A" or "B"?`, or null when no name is near. */
export function didYouMean(wanted: string, candidates: readonly string[]): string | null {
  const near = nearestNames(wanted, candidates);
  return near.length === 0 ? null : `did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?`;
}
