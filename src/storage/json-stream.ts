/**
 * Writing a JSON object with one very long array (a year of time entries) without holding it in
 * memory: the other fields are written around the array, the array's items one per line as they
 * come, in chunks of about a megabyte. Atomic like every run file (the store writes it whole).
 */
import type { RunFiles } from './run-store.js';

export interface StreamedJson {
  /** Fields written before the array. */
  head: Record<string, unknown>;
  arrayKey: string;
  items: AsyncIterable<unknown> | Iterable<unknown>;
  /** Fields written after the array; computed once every item has been written. */
  tail?: () => Record<string, unknown>;
}

const CHUNK_CHARS = 1 << 20;

const field = (key: string, value: unknown) => `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`;

/** The document's text in chunks; `count` receives the number of items once the array is written. */
async function* jsonChunks(doc: StreamedJson, count: (n: number) => void): AsyncGenerator<string> {
  let n = 0;
  let buffer = `{\n${Object.entries(doc.head).map(([k, v]) => `${field(k, v)},\n`).join('')}  ${JSON.stringify(doc.arrayKey)}: [`;
  for await (const item of doc.items) {
    buffer += `${n === 0 ? '\n' : ',\n'}    ${JSON.stringify(item)}`;
    n++;
    if (buffer.length > CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  count(n);
  buffer += n === 0 ? ']' : '\n  ]';
  const tail = Object.entries(doc.tail?.() ?? {});
  buffer += tail.map(([k, v]) => `,\n${field(k, v)}`).join('') + '\n}\n';
  yield buffer;
}

/** Writes `doc` to the run file `key`; returns the number of items. */
export async function writeJsonStream(files: RunFiles, key: string, doc: StreamedJson): Promise<number> {
  let count = 0;
  await files.writeStream(key, jsonChunks(doc, (n) => (count = n)));
  return count;
}

/** The items of an array written by writeJsonStream, one at a time (one per line). */
export async function* readStreamedItems<T>(files: RunFiles, key: string, arrayKey: string): AsyncGenerator<T> {
  let inside = false;
  const opening = `  ${JSON.stringify(arrayKey)}: [`;
  for await (const line of files.lines(key)) {
    if (!inside) {
      if (line === opening) inside = true;
      continue;
    }
    if (line === '  ]' || line === '  ],') return;
    yield JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line) as T;
  }
}
