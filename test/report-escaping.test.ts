/**
 * Text from the APIs is data, never markup: hostile names (pipes, newlines, `<script>`, markdown
 * links, emphasis, 5,000 characters) stay text in every report, markdown and HTML.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writePersonReport } from '../src/reports/person-report.js';
import { inlineHtml, markdownHtml } from '../src/reports/render-html.js';
import { writeTeamReport } from '../src/reports/team-report.js';
import { mdCell, mdInline, sanitiseNarrative } from '../src/reports/text.js';
import { writeTogglSummary } from '../src/reports/toggl-summary.js';
import { llmWriter, deterministicWriter } from '../src/reports/writer.js';
import { HOSTILE, reportData } from './support/report-data.js';

/** Cells of a markdown table row: split on pipes that are not escaped. */
const cells = (line: string) => line.slice(1, -1).split(/(?<!\\)\|/);

function assertMarkdownSafe(name: string, markdown: string): void {
  assert.ok(!/<script/i.test(markdown), `${name}: raw <script>`);
  assert.ok(!/(?<!\\)\]\(http:\/\/evil/.test(markdown), `${name}: a live markdown link from the data`);
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || lines[i - 1]?.startsWith('|')) continue;
    const width = cells(lines[i]!).length;
    for (let j = i + 1; lines[j]?.startsWith('|'); j++) {
      assert.equal(cells(lines[j]!).length, width, `${name}: row ${j + 1} has ${cells(lines[j]!).length} cells, its header ${width}: ${lines[j]!.slice(0, 120)}`);
      for (const cell of cells(lines[j]!)) assert.ok(cell.length < 400, `${name}: a cell of ${cell.length} characters`);
    }
  }
}

function assertHtmlSafe(name: string, html: string): void {
  const scripts = html.match(/<script/gi) ?? [];
  assert.equal(scripts.length, 0, `${name}: <script> element`);
  assert.ok(!/href="http:\/\/evil/.test(html), `${name}: a link from the data`);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${name}: the hostile name shows as text`);
}

test('markdown and HTML escaping of data text', () => {
  assert.equal(mdCell('a|b\nc'), 'a\\|b c');
  assert.equal(mdCell(HOSTILE.script), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(mdCell(HOSTILE.link), '[click me\\](http://evil.example/x)');
  assert.equal(mdCell('*bold* _it_ `code`'), '\\*bold\\* \\_it\\_ \\`code\\`');
  assert.equal(mdCell('[Scrum] [Task]'), '[Scrum] [Task]', 'tags stay readable');
  assert.equal([...mdCell(HOSTILE.long)].length, 120);
  assert.equal(mdInline('# not a heading'), '\\# not a heading');
  assert.equal(mdInline('- not a list'), '\\- not a list');
  assert.equal(mdInline('1. not a list'), '1\\. not a list');
  assert.equal(mdInline('&amp; stays'), '&amp;amp; stays');
  assert.equal(sanitiseNarrative('See [this](javascript:alert(1)) <img src=x onerror=alert(1)>'), 'See this &lt;img src=x onerror=alert(1)>');
  // The HTML renderer reads the escaped markdown back as text.
  assert.equal(inlineHtml(mdInline(HOSTILE.script)), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(inlineHtml(mdInline('*bold* a_b')), '*bold* a_b');
  assert.equal(inlineHtml('**Zoë** 2.0 h *(unverified)*'), '<strong>Zoë</strong> 2.0 h <em class="unverified">(unverified)</em>');
  assert.equal(markdownHtml('- one\n- two\n\ntext'), '<ul><li>one</li><li>two</li></ul>\n<p>text</p>');
});

test('hostile names from Toggl and Fibery stay text in every report (deterministic and LLM narratives)', async () => {
  const { aggregated, enriched, enrichment } = reportData(6);
  // An LLM that repeats the hostile names and adds markup of its own.
  const echo = `## Executive summary\nThe team worked on ${HOSTILE.script} and ${HOSTILE.link}. <img src=x onerror=alert(1)>\n`;
  const client = { complete: async () => ({ text: echo, provider: 'openai' as const, model: 'm', input_tokens: 1, output_tokens: 1, seconds: 0 }) };
  for (const writer of [deterministicWriter(), llmWriter(client, { maxCorrections: 0 })]) {
    const reports = {
      toggl: await writeTogglSummary(aggregated, writer, { fiberyWorkspace: 'acme' }),
      team: await writeTeamReport(enriched, writer, { fiberyWorkspace: 'acme' }),
      eve: await writePersonReport({ email: 'person0@example.com', user: aggregated.users['person0@example.com']!, entities: enrichment, period: aggregated.period, aggregated }, writer),
      pat: await writePersonReport({ email: 'person1@example.com', user: aggregated.users['person1@example.com']!, entities: enrichment, period: aggregated.period, aggregated }, writer),
    };
    for (const [name, r] of Object.entries(reports)) {
      assertMarkdownSafe(`${writer.label} ${name}.md`, r.markdown);
      assertHtmlSafe(`${writer.label} ${name}.html`, r.html);
      assert.ok(!/<img/i.test(r.html) && !/<img/i.test(r.markdown), `${name}: an element from the LLM`);
    }
    assert.match(reports.eve.markdown, /^# Eve &lt;script&gt;alert\(1\)&lt;\/script&gt; · /);
    // The full 5,000-character name is kept where the entity is detailed; tables shorten it.
    const long = Object.values(reports).some((r) => r.markdown.includes(HOSTILE.long));
    assert.ok(long || JSON.stringify(aggregated).includes(HOSTILE.long));
  }
  // Entity ids link to Fibery in the HTML page, not in the markdown.
  const team = await writeTeamReport(enriched, deterministicWriter(), { fiberyWorkspace: 'acme' });
  assert.match(team.html, /<a href="https:\/\/acme\.fibery\.io\/Scrum\/Task\/7000">#7000<\/a>/);
  assert.ok(!team.markdown.includes('fibery.io'));
});
