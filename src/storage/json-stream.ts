/**
 * Writing a JSON object with one very long array (a year of time entries) without holding it in
 * memory: the other fields are written around the array, the array's items one per line as they
 * come. Atomic like every run file: a temporary file renamed over the target once complete.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface StreamedJson {
  /** Fields written before the array. */
  head: Record<string, unknown>;
  arrayKey: string;
  items: AsyncIterable<unknown> | Iterable<unknown>;
  /** Fields written after the array; computed once every item has been written. */
  tail?: () => Record<string, unknown>;
}

const field = (key: string, value: unknown) => `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`;

export async function writeJsonStreamAtomic(file: string, doc: StreamedJson): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w');
  let count = 0;
  try {
    let buffer = `{\n${Object.entries(doc.head).map(([k, v]) => `${field(k, v)},\n`).join('')}  ${JSON.stringify(doc.arrayKey)}: [`;
    for await (const item of doc.items) {
      buffer += `${count === 0 ? '\n' : ',\n'}    ${JSON.stringify(item)}`;
      count++;
      if (buffer.length > 1 << 20) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    buffer += count === 0 ? ']' : '\n  ]';
    const tail = Object.entries(doc.tail?.() ?? {});
    buffer += tail.map(([k, v]) => `,\n${field(k, v)}`).join('') + '\n}\n';
    await handle.write(buffer);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
    return count;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

/** The items of an array written by writeJsonStreamAtomic, one at a time (one per line). */
export async function* readStreamedItems<T>(file: string, arrayKey: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let inside = false;
  const opening = `  ${JSON.stringify(arrayKey)}: [`;
  for await (const line of lines) {
    if (!inside) {
      if (line === opening) inside = true;
      continue;
    }
    if (line === '  ]' || line === '  ],') return;
    yield JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line) as T;
  }
}
