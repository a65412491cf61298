/** Every text in a value: strings, and byte arrays (payloads) read as UTF-8 — for "no secret anywhere" checks. */
export function* texts(value: unknown, seen = new Set<unknown>()): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (value instanceof Uint8Array) yield Buffer.from(value).toString('utf8');
  else if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const v of Object.values(value)) yield* texts(v, seen);
  }
}
