/** File-name slugs for people: "Zoë Müller" → "zoe_muller", "Олена Коваленко" → "olena_kovalenko". */
const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ye', ё: 'yo', ж: 'zh', з: 'z', и: 'y', і: 'i',
  ї: 'yi', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f',
  х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
const SPECIAL: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', ł: 'l', đ: 'd', þ: 'th' };

export function slugify(text: string): string {
  const latin = [...text.toLowerCase()]
    .map((ch) => CYRILLIC[ch] ?? SPECIAL[ch] ?? ch)
    .join('')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  return latin.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** One slug per key, unique within the set: a clash gets `_2`, `_3`, … in key order. */
export function uniqueSlugs(people: { key: string; name: string }[]): Map<string, string> {
  const taken = new Set<string>();
  const result = new Map<string, string>();
  for (const { key, name } of [...people].sort((a, b) => a.key.localeCompare(b.key))) {
    const base = slugify(name) || slugify(key.split('@')[0] ?? '') || 'person';
    let slug = base;
    for (let n = 2; taken.has(slug); n++) slug = `${base}_${n}`;
    taken.add(slug);
    result.set(key, slug);
  }
  return result;
}
