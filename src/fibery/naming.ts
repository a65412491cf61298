/**
 * How Fibery names things in its GraphQL API (pure functions).
 *
 * - Space endpoint: `/api/graphql/space/Software_Development` (spaces → `_`, non-ASCII transliterated).
 * - Fields are camelCase: `Time spent (H)` → `timeSpentH`, `Planned End` → `plannedEnd`.
 * - Queries are `find<PluralType>`: `findTasks`, `findStories`, `findSubTasks`.
 *
 * The exact rules are not documented; the client prefers what introspection reports and
 * uses these derivations to match it (case-insensitively) or as a fallback.
 */

const EXTRA_TRANSLIT: Record<string, string> = {
  ß: 'ss', Æ: 'AE', æ: 'ae', Ø: 'O', ø: 'o', Œ: 'OE', œ: 'oe', Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ð: 'D', ð: 'd',
  Þ: 'Th', þ: 'th', ı: 'i', ħ: 'h', Ħ: 'H',
  // Cyrillic
  А: 'A', Б: 'B', В: 'V', Г: 'G', Д: 'D', Е: 'E', Ё: 'Yo', Ж: 'Zh', З: 'Z', И: 'I', Й: 'Y', К: 'K', Л: 'L',
  М: 'M', Н: 'N', О: 'O', П: 'P', Р: 'R', С: 'S', Т: 'T', У: 'U', Ф: 'F', Х: 'Kh', Ц: 'Ts', Ч: 'Ch', Ш: 'Sh',
  Щ: 'Shch', Ъ: '', Ы: 'Y', Ь: '', Э: 'E', Ю: 'Yu', Я: 'Ya', Є: 'Ye', І: 'I', Ї: 'Yi', Ґ: 'G',
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'yo', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l',
  м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh',
  щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya', є: 'ye', і: 'i', ї: 'yi', ґ: 'g',
};

/** Best-effort transliteration to ASCII: strips diacritics, maps common letters; drops what remains. */
export function transliterate(text: string): string {
  const decomposed = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let out = '';
  for (const ch of decomposed) {
    const mapped = EXTRA_TRANSLIT[ch];
    if (mapped !== undefined) out += mapped;
    else if (ch.charCodeAt(0) < 128) out += ch;
  }
  return out;
}

/** `Software Development` → `Software_Development`; `Produktentwicklung Ü` → `Produktentwicklung_U`. */
export function spaceToGraphqlPath(db: string): string {
  return transliterate(db.trim()).trim().replace(/\s+/g, '_');
}

/** Words as lodash's camelCase sees them: split on non-alphanumerics and lower→Upper boundaries. */
function words(text: string): string[] {
  return transliterate(text).match(/[A-Z]{2,}(?=[A-Z][a-z]+|\b|[^A-Za-z]|$)|[A-Z]?[a-z]+|[A-Z]+|\d+/g) ?? [];
}

const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

/** Drop a storage prefix: `Scrum/Planned End` → `Planned End`, `workflow/state` → `state`. */
function withoutPrefix(name: string): string {
  const slash = name.indexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

/** `Time spent (H)` → `timeSpentH`; `Story Points` → `storyPoints`; `Scrum/Planned End` → `plannedEnd`. */
export function fieldToGraphqlName(fieldName: string): string {
  const ws = words(withoutPrefix(fieldName));
  return ws.map((w, i) => (i === 0 ? w.toLowerCase() : cap(w))).join('');
}

/** `Sub-task` → `SubTask`. */
export function typeToGraphqlName(typeName: string): string {
  return words(withoutPrefix(typeName)).map(cap).join('');
}

const IRREGULAR: Record<string, string> = { person: 'people', child: 'children', man: 'men', woman: 'women' };

function pluralize(word: string): string {
  const lower = word.toLowerCase();
  for (const [singular, plural] of Object.entries(IRREGULAR)) {
    if (!lower.endsWith(singular)) continue;
    const at = word.length - singular.length;
    const first = word.charAt(at);
    const replacement = first === first.toUpperCase() ? cap(plural) : plural;
    return word.slice(0, at) + replacement;
  }
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

/** `Task` → `findTasks`, `Story` → `findStories`, `Sub-task` → `findSubTasks`, `Bus` → `findBuses`. */
export function pluralQueryName(typeName: string): string {
  return `find${pluralize(typeToGraphqlName(typeName))}`;
}
