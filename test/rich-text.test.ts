/** Fibery rich text in reports (src/reports/rich-text.ts): its shape kept, its content inert, its length bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownHtml } from '../src/reports/render-html.js';
import { richTextLines } from '../src/reports/rich-text.js';

test('task lists, lists and headings keep their shape; links and images keep only their text', () => {
  const lines = richTextLines('# Scope\n\n- [ ] acceptance criteria agreed\n- [X] design reviewed\n* plain item\n3) third step\n\nSee [the spec](https://x.example/s) and ![diagram](https://x.example/d.png).\n```\nrm -rf /\n```\n> quoted');
  assert.deepEqual(lines, ['**Scope**', '- [ ] acceptance criteria agreed', '- [x] design reviewed', '- plain item', '3. third step', 'See the spec and diagram.', 'quoted']);
  const html = markdownHtml(lines.map((l) => `> ${l}`).join('\n'));
  assert.equal(
    html,
    '<blockquote><p><strong>Scope</strong></p>\n<ul><li class="task" data-done="false"><span class="box" aria-label="not done">☐</span> acceptance criteria agreed</li><li class="task" data-done="true"><span class="box" aria-label="done">☑</span> design reviewed</li><li>plain item</li></ul>\n<ol><li>third step</li></ol>\n<p>See the spec and diagram. quoted</p></blockquote>',
  );
});

test('hostile rich text stays text: tags, pipes, emphasis, link syntax and leading markers are escaped', () => {
  const lines = richTextLines('<script>alert(1)</script> | a | b\n- [ ] <img src=x onerror=alert(1)> **bold** `code`\n1986\\. not a list\n## <b>head</b>');
  for (const line of lines) assert.ok(!/<[a-z]/i.test(line), line);
  const html = markdownHtml(lines.map((l) => `> ${l}`).join('\n'));
  assert.ok(!/<(script|img|b)\b/i.test(html), html);
  assert.ok(lines[0]!.includes('\\|'), 'table pipes escaped');
  assert.match(lines[1]!, /^- \[ \] bold code$/);
});

test('long rich text is bounded: a few lines and a few hundred characters, then …', () => {
  const many = Array.from({ length: 30 }, (_, i) => `- item ${i}`).join('\n');
  const lines = richTextLines(many, { maxLines: 5, maxChars: 600 });
  assert.equal(lines.length, 6);
  assert.equal(lines.at(-1), '…');
  const long = richTextLines('word '.repeat(1000), { maxLines: 10, maxChars: 100 });
  assert.ok([...long[0]!].length <= 100 && long[0]!.endsWith('…'));
  assert.deepEqual(richTextLines(null), []);
  assert.deepEqual(richTextLines('```\nonly code\n```'), []);
});
