import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDescription, normaliseActivity } from '../src/toggl/description.js';
import { slugify, uniqueSlugs } from '../src/storage/slug.js';

test('parses text, id, database, type and a project with spaces and dashes', () => {
  assert.deepEqual(parseDescription('Provision AWS infrastructure #7658 [Scrum] [Task] [Volt - Internal]'), {
    text: 'Provision AWS infrastructure',
    entityId: '7658',
    database: 'Scrum',
    type: 'Task',
    project: 'Volt - Internal',
  });
});

test('the last #digits is the entity; earlier ones are text', () => {
  const p = parseDescription('PR #45 review #7658 [Scrum] [Task]');
  assert.equal(p.text, 'PR #45 review');
  assert.equal(p.entityId, '7658');
  assert.equal(p.project, null);
});

test('brackets before the id are text, and no spaces are needed', () => {
  assert.deepEqual(parseDescription('[WIP] Fix #12 [Scrum] [Bug]'), {
    text: '[WIP] Fix', entityId: '12', database: 'Scrum', type: 'Bug', project: null,
  });
  assert.deepEqual(parseDescription('Task#7658[Scrum][Task][P]'), {
    text: 'Task', entityId: '7658', database: 'Scrum', type: 'Task', project: 'P',
  });
});

test('one tag gives only the database; no tags give only the id', () => {
  assert.equal(parseDescription('Spike #3 [Design]').type, null);
  assert.equal(parseDescription('Spike #3 [Design]').database, 'Design');
  const bare = parseDescription('Look into #991');
  assert.equal(bare.entityId, '991');
  assert.equal(bare.database, null);
});

test('no id: unmatched, in any language; empty descriptions survive', () => {
  assert.equal(parseDescription('Встреча с клиентом').entityId, null);
  assert.equal(parseDescription('Встреча с клиентом').text, 'Встреча с клиентом');
  assert.equal(parseDescription('').text, '');
  assert.equal(parseDescription(null).entityId, null);
  assert.equal(parseDescription('Room #2b booking').entityId, null);
  assert.equal(normaliseActivity('  Daily   STANDUP '), 'daily standup');
});

test('a #digits inside a tag is not the entity id', () => {
  const p = parseDescription('Fix #12 [Scrum] [Task] [Release #3]');
  assert.equal(p.entityId, '12');
  assert.equal(p.project, 'Release #3');
});

test('slugs are ASCII and unique', () => {
  assert.equal(slugify('Zoë Müller'), 'zoe_muller');
  assert.equal(slugify('Олена Коваленко'), 'olena_kovalenko');
  assert.equal(slugify('Jiří Novák'), 'jiri_novak');
  const slugs = uniqueSlugs([
    { key: 'a@x', name: 'Ann Lee' },
    { key: 'b@x', name: 'Ann  Lee' },
    { key: 'c@x', name: '' },
  ]);
  assert.deepEqual([...slugs.values()], ['ann_lee', 'ann_lee_2', 'c']);
});
