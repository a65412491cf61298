/**
 * The documents of the sandbox's Fibery workspace: every description, rich-text field and comment
 * text of the dataset lives in a document named by a secret (as in Fibery, where a comment holds
 * nothing but its document's secret). The GraphQL schema and the documents API read the same
 * secrets from here.
 */
import { stableUuid } from './http.js';
import type { Dataset, DatasetEntity } from './dataset.js';

export const descriptionSecret = (e: Pick<DatasetEntity, 'id'>): string => stableUuid(`document:${e.id}:description`);
export const commentSecret = (e: Pick<DatasetEntity, 'id'>, index: number): string => stableUuid(`document:${e.id}:comment:${index}`);
export const fieldSecret = (e: Pick<DatasetEntity, 'id'>, field: string): string => stableUuid(`document:${e.id}:field:${field}`);

/** Secret → markdown of every document the dataset holds. */
export function datasetDocuments(dataset: Dataset): Map<string, string> {
  const docs = new Map<string, string>();
  for (const space of dataset.fibery.spaces) {
    for (const type of space.types) {
      const richFields = type.fields.filter((f) => f.kind === 'rich_text').map((f) => f.name);
      for (const e of type.entities) {
        docs.set(descriptionSecret(e), e.description_md ?? '');
        e.comments.forEach((c, i) => docs.set(commentSecret(e, i), c.text_md));
        for (const f of richFields) {
          const v = e.values[f];
          docs.set(fieldSecret(e, f), typeof v === 'string' ? v : '');
        }
      }
    }
  }
  return docs;
}
