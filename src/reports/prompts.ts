/**
 * The prompts the LLM writer sends, as files in `<config dir>/prompts/` so they can be edited
 * without touching code: `system.md`, one user prompt per report kind, `correction.md` (the
 * follow-up naming figures that do not match the data) and `entity-types/<database>-<type>.md`
 * (how to read one Fibery type; inserted where that type occurs). A file missing from the config
 * directory falls back to the one shipped with volt-agent.
 *
 * Placeholders are `{{name}}`; each file has required and optional ones, and an unknown or missing
 * required placeholder is a ValidationError naming the file (`validatePrompts`, called before a
 * run starts and again when a writer loads the prompts). `<!-- comments -->` are not sent.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/app-config.js';
import { ValidationError } from '../errors.js';

export const PROMPT_KINDS = ['system', 'toggl_summary', 'person_report', 'team_report', 'correction'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];
export type ReportPromptKind = Exclude<PromptKind, 'system' | 'correction'>;

/** Placeholders each prompt file may use; `required` ones must appear. */
export const PLACEHOLDERS: Record<PromptKind, { required: string[]; optional: string[] }> = {
  system: { required: [], optional: [] },
  toggl_summary: { required: ['sections', 'facts'], optional: ['period', 'people', 'summarised'] },
  person_report: { required: ['sections', 'facts'], optional: ['period', 'person', 'summarised', 'entity_types'] },
  team_report: { required: ['sections', 'facts'], optional: ['period', 'people', 'summarised', 'entity_types'] },
  correction: { required: ['problems'], optional: ['sections'] },
};
const ENTITY_TYPE_PLACEHOLDERS = ['type'];

export const PROMPTS_DIRNAME = 'prompts';
export const ENTITY_TYPES_DIRNAME = 'entity-types';
export const SHIPPED_PROMPTS_DIR = path.join(PACKAGE_ROOT, 'config', PROMPTS_DIRNAME);

export interface PromptFile {
  /** Where it was read from (for messages). */
  file: string;
  /** The text without `<!-- comments -->`, trimmed. */
  text: string;
}

export interface Prompts {
  files: Record<PromptKind, PromptFile>;
  /** By normalised type key (`scrum-task`). A plain object, so the prompts can be stored with a run's config. */
  entityTypes: Record<string, PromptFile>;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** `Scrum/Task`, `Scrum / Task`, `scrum-task.md` → `scrum-task`. */
export function entityTypeKey(label: string): string {
  return label
    .replace(/\.md$/i, '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, '').replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** Checks one prompt's placeholders; throws a ValidationError naming the file. */
export function checkPlaceholders(file: string, text: string, allowed: { required: string[]; optional: string[] }): void {
  const known = new Set([...allowed.required, ...allowed.optional]);
  const used = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!known.has(name)) {
      const list = known.size ? [...known].map((k) => `{{${k}}}`).join(', ') : 'none';
      throw new ValidationError(`${file}: unknown placeholder {{${name}}} (this prompt can use: ${list})`);
    }
    used.add(name);
  }
  for (const name of allowed.required) {
    if (!used.has(name)) throw new ValidationError(`${file}: the placeholder {{${name}}} is missing (required: ${allowed.required.map((k) => `{{${k}}}`).join(', ')})`);
  }
  if (!text.trim()) throw new ValidationError(`${file}: the prompt is empty`);
}

async function readPrompt(file: string, allowed: { required: string[]; optional: string[] }): Promise<PromptFile> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`${file}: cannot be read (${(error as Error).message})`);
  }
  const text = stripComments(raw);
  checkPlaceholders(file, text, allowed);
  return { file, text };
}

async function markdownFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.md') && e.name.toLowerCase() !== 'readme.md')
    .map((e) => e.name)
    .sort();
}

/**
 * The prompts of a config directory, validated; files it does not have come from the shipped
 * prompts. Throws ValidationError naming the file for an unknown file name, an unknown placeholder
 * or a missing required one.
 */
export async function loadPrompts(configDir: string): Promise<Prompts> {
  const dirs = [...new Set([SHIPPED_PROMPTS_DIR, path.join(configDir, PROMPTS_DIRNAME)].map((d) => path.resolve(d)))];
  const files = {} as Record<PromptKind, PromptFile>;
  const entityTypes: Record<string, PromptFile> = {};
  for (const dir of dirs) {
    // Later directories (the config directory's) override earlier ones (the shipped prompts).
    for (const name of await markdownFiles(dir)) {
      const kind = name.slice(0, -3) as PromptKind;
      if (!PROMPT_KINDS.includes(kind)) {
        throw new ValidationError(
          `${path.join(dir, name)}: unknown prompt file (expected ${PROMPT_KINDS.map((k) => `${k}.md`).join(', ')}; per-type prompts go in ${ENTITY_TYPES_DIRNAME}/)`,
        );
      }
      files[kind] = await readPrompt(path.join(dir, name), PLACEHOLDERS[kind]);
    }
    const typeDir = path.join(dir, ENTITY_TYPES_DIRNAME);
    for (const name of await markdownFiles(typeDir)) {
      const key = entityTypeKey(name);
      if (!key) throw new ValidationError(`${path.join(typeDir, name)}: name it after the Fibery type, e.g. scrum-task.md`);
      entityTypes[key] = await readPrompt(path.join(typeDir, name), { required: [], optional: ENTITY_TYPE_PLACEHOLDERS });
    }
  }
  for (const kind of PROMPT_KINDS) {
    if (!files[kind]) throw new ValidationError(`${path.join(configDir, PROMPTS_DIRNAME, `${kind}.md`)}: missing, and volt-agent ships none to fall back to`);
  }
  return { files, entityTypes };
}

/**
 * Checks the prompt files of a config directory (and the shipped ones it falls back to) before a
 * run starts: throws ValidationError naming the file and the unknown or missing placeholder.
 */
export async function validatePrompts(configDir: string): Promise<void> {
  await loadPrompts(configDir);
}

/** Fills the placeholders; an empty value removes its line when the placeholder stood alone on it. */
export function renderPrompt(template: string, values: Record<string, string>): string {
  return template
    .split('\n')
    .flatMap((line) => {
      const alone = /^\s*\{\{\s*([^{}]*?)\s*\}\}\s*$/.exec(line);
      if (alone && !(values[alone[1] ?? ''] ?? '').trim()) return [];
      return [line.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '')];
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
