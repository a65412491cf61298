import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadEnrichmentConfig, typeConfigFor } from '../src/config/enrichment-config.js';
import { ValidationError } from '../src/errors.js';

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'volt-enrich-cfg-'));
  const file = path.join(dir, 'enrichment_config.yaml');
  await writeFile(file, text);
  return file;
}

test('the shipped config is valid and maps types to their activities', async () => {
  const config = await loadEnrichmentConfig(path.resolve('config/enrichment_config.yaml'));
  assert.equal(typeConfigFor(config, 'Scrum', 'Task').activity, 'enrich_scrum_task');
  assert.equal(typeConfigFor(config, 'Scrum', 'Bug').activity, 'enrich_scrum_bug');
  assert.equal(typeConfigFor(config, 'Anything', 'Else').activity, 'default_enrich_entity');
  assert.ok(typeConfigFor(config, 'Scrum', 'Task').batch_size > 1);
});

const broken: [string, string, RegExp][] = [
  ['bad YAML', 'enrichment_activities:\n  "Scrum/Task": [unclosed\n', /not valid YAML/],
  ['an unknown activity', 'enrichment_activities:\n  "Scrum/Task":\n    activity: enrich_everything\n    max_concurrent: 2\n  default:\n    activity: default_enrich_entity\n    max_concurrent: 5\n', /enrichment_activities\.Scrum\/Task\.activity: unknown activity "enrich_everything"/],
  ['max_concurrent 0', 'enrichment_activities:\n  "Scrum/Task":\n    activity: enrich_scrum_task\n    max_concurrent: 0\n  default:\n    activity: default_enrich_entity\n    max_concurrent: 5\n', /enrichment_activities\.Scrum\/Task\.max_concurrent: must be a positive number/],
  ['a non-numeric batch size', 'enrichment_activities:\n  default:\n    activity: default_enrich_entity\n    max_concurrent: 5\n    batch_size: lots\n', /enrichment_activities\.default\.batch_size: must be a number/],
  ['no default entry', 'enrichment_activities:\n  "Scrum/Task":\n    activity: enrich_scrum_task\n    max_concurrent: 2\n', /a "default" entry is required/],
  ['a key that is not Database/Type', 'enrichment_activities:\n  Task:\n    activity: enrich_scrum_task\n    max_concurrent: 2\n  default:\n    activity: default_enrich_entity\n    max_concurrent: 5\n', /Database\/Type/],
  ['a misspelt option', 'enrichment_activities:\n  default:\n    activity: default_enrich_entity\n    max_concurent: 5\n', /max_concurent|max_concurrent/],
];
for (const [name, text, message] of broken) {
  test(`rejects ${name}, naming the file and the key`, async () => {
    const file = await configFile(text);
    await assert.rejects(loadEnrichmentConfig(file), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.ok(error.message.startsWith(file), error.message);
      assert.match(error.message, message);
      return true;
    });
  });
}

test('per-run overrides replace single entries and are validated too', async () => {
  const file = path.resolve('config/enrichment_config.yaml');
  const config = await loadEnrichmentConfig(file, {
    enrichment_activities: { 'Scrum/Task': { activity: 'default_enrich_entity', max_concurrent: 1, fields: ['X'] } },
  });
  assert.equal(typeConfigFor(config, 'Scrum', 'Task').activity, 'default_enrich_entity');
  assert.equal(typeConfigFor(config, 'Scrum', 'Bug').activity, 'enrich_scrum_bug');
  await assert.rejects(
    loadEnrichmentConfig(file, { enrichment_activities: { 'Scrum/Task': { activity: 'nope', max_concurrent: 1 } } }),
    /with the run's config overrides.*Scrum\/Task\.activity/,
  );
  assert.ok((await readFile(file, 'utf8')).includes('default:'));
});
