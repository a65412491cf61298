/**
 * How the Fibery simulator names things in GraphQL (exported, so tests and tools can predict the
 * names): space path segments, type names, camelCase field names and `find<Plural>` queries.
 */

const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ye', ё: 'yo', ж: 'zh', з: 'z', и: 'y', і: 'i', ї: 'yi', й: 'y',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh',
  щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
const SPECIAL: Record<string, string> = { ß: 'ss', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', þ: 'th', Þ: 'Th', œ: 'oe', Œ: 'OE' };

/** Latin-ish ASCII version of a name: diacritics dropped, Cyrillic romanised, other non-ASCII removed. */
export function transliterate(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (ch.charCodeAt(0) < 128) out += ch;
    else if (SPECIAL[ch] !== undefined) out += SPECIAL[ch];
    else {
      const lower = ch.toLowerCase();
      const latin = CYRILLIC[lower];
      if (latin !== undefined) out += ch === lower ? latin : latin.charAt(0).toUpperCase() + latin.slice(1);
      else out += [...ch.normalize('NFD')].filter((c) => c.charCodeAt(0) < 128).join('');
    }
  }
  return out;
}

/** `Product Management` → `Product_Management` (the path segment of the space's endpoint). */
export function spacePathName(space: string): string {
  return transliterate(space)
    .trim()
    .replace(/\s+/g, '_')
    .replace(/[^A-Za-z0-9_-]/g, '');
}

function words(text: string): string[] {
  return transliterate(text).split(/[^A-Za-z0-9]+/).filter(Boolean);
}

/** `Sub-task` → `SubTask`, `Task` → `Task`. */
export function graphqlTypeName(type: string): string {
  const name = words(type)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return /^[0-9]/.test(name) ? `T${name}` : name;
}

/** A space's object type as the real API names it: `{Space}{Type}` (`ScrumTask`, `ProductManagementRequest`). */
export function graphqlObjectTypeName(space: string, type: string): string {
  return `${graphqlTypeName(space)}${graphqlTypeName(type)}`;
}

/** `Story Points` → `storyPoints`, `Time spent (H)` → `timeSpentH`, `URL` → `url`. */
export function graphqlFieldName(field: string): string {
  const ws = words(field);
  const name = ws
    .map((w, i) => {
      if (i > 0) return w.charAt(0).toUpperCase() + w.slice(1);
      return w === w.toUpperCase() ? w.toLowerCase() : w.charAt(0).toLowerCase() + w.slice(1);
    })
    .join('');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** `Task` → `Tasks`, `Story` → `Stories`, `Bus` → `Buses`. */
export function pluralize(word: string): string {
  if (/[^aeiouAEIOU]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

/** `Sub-task` → `findSubTasks`. */
export function findQueryName(type: string): string {
  return `find${pluralize(graphqlTypeName(type))}`;
}
