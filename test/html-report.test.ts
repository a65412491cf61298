/**
 * The HTML pages in a real browser: Debian's Chromium driven by playwright-core (no browser
 * download). No console error, no request leaving the file, every chart drawn with a title, the
 * page fits 1280 px, and the charted and tabled totals equal the aggregates. Screenshots go to
 * tmp/screenshots/ for a person to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hours } from '../src/reports/format.js';
import { writePersonReport } from '../src/reports/person-report.js';
import { CONTENT_SECURITY_POLICY } from '../src/reports/render-html.js';
import { writeTeamReport } from '../src/reports/team-report.js';
import { deterministicWriter } from '../src/reports/writer.js';
import { reportData } from './support/report-data.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => Boolean(p && existsSync(p)));
const SCREENSHOTS = path.resolve('tmp', 'screenshots');
// Per the machine notes: without the background-networking flags Chromium tries to reach Google at start.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

async function open(browser: Browser, file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, requests };
}

/**
 * Words of table cells that the browser broke across lines: each word's text range must lie on
 * one line (its client rectangles share one top). Also whether the page itself scrolls sideways.
 */
async function layoutProblems(page: Page, width: number): Promise<string[]> {
  await page.setViewportSize({ width, height: 900 });
  const broken = await page.$$eval('td, th', (cells) => {
    const out: string[] = [];
    for (const cell of cells) {
      const walker = cell.ownerDocument.createTreeWalker(cell, 4 /* NodeFilter.SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/\S+/g)) {
          const range = cell.ownerDocument.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(`"${match[0].slice(0, 40)}" in ${cell.closest('section')?.id ?? '?'}`);
        }
      }
    }
    return out;
  });
  const scroll = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  return [...broken.map((b) => `${width} px: word broken: ${b}`), ...(scroll > width ? [`${width} px: the page scrolls sideways (${scroll} px)`] : [])];
}

/** The cells of a table's rows, as text. */
const tableRows = (page: Page, selector: string) =>
  page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));

test('team and person pages in Chromium: self-contained, charts drawn, fit 1280 px, totals equal the aggregates', { skip: CHROMIUM ? false : 'no Chromium binary (apt-get install chromium, or set CHROMIUM_PATH): browser test skipped' }, async () => {
  const { aggregated, enriched, enrichment } = reportData(25, { trend: true });
  const dir = await mkdtemp(path.join(tmpdir(), 'volt-html-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ARGS });
  try {
    await mkdir(SCREENSHOTS, { recursive: true });
    const team = await writeTeamReport(enriched, deterministicWriter(), { fiberyWorkspace: 'acme' });
    assert.ok(team.html.length <= 1_000_000, `team page ${team.html.length} bytes for 25 people`);
    assert.ok(team.html.includes(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`));
    const teamFile = path.join(dir, 'team_summary.html');
    await writeFile(teamFile, team.html);

    const { page, errors, requests } = await open(browser, teamFile);
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(requests.filter((u) => u !== pathToFileURL(teamFile).href), [], 'requests leaving the page');
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 1280, 'no horizontal scrolling at 1280 px');

    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({
        id: f.id,
        title: f.querySelector('svg > title')?.textContent ?? '',
        desc: f.querySelector('svg > desc')?.textContent ?? '',
        shapes: f.querySelectorAll('svg path, svg rect').length,
        width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })),
    );
    assert.ok(charts.length >= 5, `${charts.length} charts`);
    assert.ok(charts.some((c) => c.id === 'chart-trend-types'), 'the trend is charted');
    for (const c of charts) {
      assert.ok(c.title && c.desc, `${c.id} has a title and a description`);
      assert.ok(c.shapes > 5, `${c.id} draws shapes (${c.shapes})`);
      assert.ok(c.width > 300 && c.width <= 1280, `${c.id} width ${c.width}`);
    }

    // Charted numbers: the table of the stacked chart has each person's total; the daily table the team's.
    const stacked = await tableRows(page, '#chart-people-types + .table-wrap');
    for (const [, u] of Object.entries(aggregated.users)) {
      const row = stacked.find((r) => r[0] === u.name);
      assert.ok(row, u.name);
      assert.equal(row.at(-1), hours(u.total_seconds), `${u.name}'s charted total`);
    }
    const daily = await tableRows(page, '#chart-daily + .table-wrap');
    assert.deepEqual(daily.at(-1), ['Total', hours(aggregated.totals.total_seconds)]);
    const members = await tableRows(page, '#members');
    assert.equal(members.length, 25);
    for (const r of members) assert.equal(r[1], hours(Object.values(aggregated.users).find((u) => u.name === r[0])!.total_seconds));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'team_summary.png'), fullPage: true });

    const email = 'person2@example.com';
    const person = await writePersonReport({ email, user: aggregated.users[email]!, entities: enrichment, period: aggregated.period, aggregated }, deterministicWriter(), { fiberyWorkspace: 'acme' });
    const personFile = path.join(dir, 'person.html');
    await writeFile(personFile, person.html);
    const p = await open(browser, personFile);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.requests.filter((u) => u !== pathToFileURL(personFile).href), []);
    assert.equal(await p.page.evaluate('document.documentElement.scrollWidth'), 1280, 'a 5,000-character name does not widen the page');
    assert.ok((await p.page.$$('figure.chart')).length >= 4);
    const glance = await tableRows(p.page, '#at_a_glance');
    assert.deepEqual(glance[0], ['Total tracked', hours(aggregated.users[email]!.total_seconds)]);
    await p.page.screenshot({ path: path.join(SCREENSHOTS, 'person.png'), fullPage: true });

    // No word of any table cell broken across lines, at a desktop's and at a phone's width; wide tables scroll in their box.
    for (const width of [1280, 390]) {
      assert.deepEqual([...(await layoutProblems(page, width)), ...(await layoutProblems(p.page, width))], []);
    }
    await p.page.screenshot({ path: path.join(SCREENSHOTS, 'person-390.png'), fullPage: true });

    // A Fibery task list is a list with its boxes; the heading, the numbered list and the link keep their text, no link.
    const owner = Object.entries(aggregated.users).find(([, u]) => u.matched_entities.some((e) => e.entity_id === '7010'))!;
    const withTasks = await writePersonReport({ email: owner[0], user: owner[1], entities: enrichment, period: aggregated.period, aggregated }, deterministicWriter(), { fiberyWorkspace: 'acme' });
    assert.match(withTasks.markdown, /\n {2}> \*\*Definition of done\*\*\n {2}> - \[ \] acceptance criteria agreed\n {2}> - \[x\] design reviewed\n {2}> 1\. Ship behind a flag\n {2}> 2\. Read the spec first/);
    const tasksFile = path.join(dir, 'tasks.html');
    await writeFile(tasksFile, withTasks.html);
    const t = await open(browser, tasksFile);
    const quoted = await t.page.$$eval('blockquote', (quotes) =>
      quotes
        .filter((q) => q.textContent?.includes('acceptance criteria'))
        .map((q) => ({
          tasks: [...q.querySelectorAll('ul > li.task')].map((li) => [li.getAttribute('data-done'), li.textContent?.trim()]),
          numbered: [...q.querySelectorAll('ol > li')].map((li) => li.textContent?.trim()),
          heading: q.querySelector('p strong')?.textContent,
          links: q.querySelectorAll('a').length,
        })),
    );
    assert.deepEqual(quoted, [
      {
        tasks: [
          ['false', '☐ acceptance criteria agreed'],
          ['true', '☑ design reviewed'],
        ],
        numbered: ['Ship behind a flag', 'Read the spec first'],
        heading: 'Definition of done',
        links: 0,
      },
    ]);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});
