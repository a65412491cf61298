/**
 * `npm run test:model`: a whole sandbox run whose every report is written by a real small model
 * (SmolLM2-135M-Instruct on the CPU, one thread, behind the sandbox's OpenAI-compatible model
 * server in a process of its own, which answers one request at a time), on a real Temporal dev server. The model invents:
 * what is asserted is what volt-agent did with whatever it wrote. Slow (minutes), so not in
 * `npm test`; CI runs it after `node scripts/provision-model.mjs`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFiles } from '../../src/cli/runs.js';
import { CHECKS_LINE } from '../../src/reports/narrative-footer.js';
import { UNVERIFIED_MARK } from '../../src/reports/verify.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ensureSmolLm2 } from '../../src/sandbox/model-files.js';
import { spawnModelServer } from '../../src/sandbox/model-server.js';
import { localRunFiles } from '../../src/storage/local-store.js';
import { RunMetadataSchema } from '../../src/storage/schemas.js';
import { runPipelineOn } from '../support/pipeline.js';
import { startTestTemporal, type TestTemporal } from '../support/temporal.js';

let temporal: TestTemporal;
let sandbox: Sandbox;
let model: Awaited<ReturnType<typeof spawnModelServer>>;
let outputDir: string;

before(async () => {
  const gguf = await ensureSmolLm2({ log: (line) => process.stderr.write(`${line}\n`) });
  [temporal, sandbox, model] = await Promise.all([startTestTemporal(), startSandbox({ limits: 'none' }), spawnModelServer({ modelPath: gguf, threads: 1 })]);
  outputDir = await mkdtemp(path.join(os.tmpdir(), 'volt-real-model-'));
});
after(async () => {
  await model?.close();
  await sandbox?.close();
  await temporal?.stop();
});

/** The narrative of a report: its markdown without tables, headings, the header lines and the footer. */
function footerOf(markdown: string): string[] {
  const at = markdown.lastIndexOf('\nAbout the narrative:\n');
  return at < 0 ? [] : markdown.slice(at).split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
}

test('every report of a run written by SmolLM2-135M: honest footers, invented things marked or fallen back, raw answers kept, no report timed out', { timeout: 55 * 60_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...sandbox.env, OPENAI_BASE_URL: model.openaiBaseUrl, VOLT_LLM_PROVIDER: 'openai', VOLT_LLM_MODEL: model.model };
  delete env.OPENAI_API_KEY;
  delete env.ANTHROPIC_API_KEY;
  const users = sandbox.dataset.toggl.users.slice(0, 3).map((u) => u.email);
  const runId = 'run_real-model';
  const { error } = await runPipelineOn(
    temporal,
    {
      start_date: '2026-11-16',
      end_date: '2026-11-22',
      run_id: runId,
      output_dir: outputDir,
      users,
      // The model's context is 8,192 tokens: the prompt (estimated at 3 characters a token, erring
      // high) and the answer must fit. A CPU at one thread takes its time: generous timeouts.
      config: { llm: { prompt_token_budget: 3000, max_tokens: 300, temperature: 0, timeout_seconds: 900, report_deadline_seconds: 1800 } },
    },
    env,
    { executionTimeout: '50 minutes' },
  );
  assert.equal(error, null, String(error));
  const dir = path.join(outputDir, runId);
  const metadata = RunMetadataSchema.parse(JSON.parse(await readFile(path.join(dir, 'run_metadata.json'), 'utf8')));
  const individual = (await readdir(path.join(dir, 'reports/individual'))).filter((f) => f.endsWith('.md')).map((f) => `reports/individual/${f}`);
  const reports = ['reports/toggl_summary.md', 'reports/team_summary.md', ...individual];
  assert.equal(individual.length, 3, 'three person reports');

  for (const file of reports) {
    const markdown = await readFile(path.join(dir, file), 'utf8');
    const footer = footerOf(markdown);
    const text = footer.join('\n');
    process.stderr.write(`\n===== ${file}\n${markdown.split('\n').filter((l) => !l.startsWith('|')).join('\n').slice(0, 6000)}\n`);
    assert.ok(!/every figure and name|now matches/i.test(markdown), `${file}: never claims everything was checked`);
    assert.ok(!/<\/?think>/i.test(markdown), `${file}: no reasoning block`);
    const marks = markdown.split(UNVERIFIED_MARK).length - 1;
    const wroteSome = /Narrative written by LLM/.test(markdown);
    if (wroteSome) {
      assert.ok(footer.includes(CHECKS_LINE), `${file}: the footer says what was checked and what never is`);
      if (marks > 0) {
        const counted = /\*\*(.+?) could not be verified\*\*/.exec(text);
        assert.ok(counted, `${file}: ${marks} marks, and the footer counts them`);
        const total = [...counted[1]!.matchAll(/(\d+) (?:figure|name|date)s?/g)].reduce((s, m) => s + Number(m[1]), 0);
        assert.equal(total, marks, `${file}: the footer's count is the number of marks`);
      } else {
        assert.ok(footer.some((l) => l === 'The checks found nothing to mark.' || /corrected by a follow-up request; the checks found nothing more to mark/.test(l)), `${file}: no marks, and the footer says only that the checks found none`);
      }
    } else {
      assert.match(markdown, /Narrative written without an LLM \(/, `${file}: a report the model did not write says why`);
    }
    // A report whose sections fell back says so in the run's warnings.
    const id = file.includes('individual') ? 'person:' : file.includes('toggl') ? 'toggl_summary' : 'team_summary';
    if (/sections? were written without it|Narrative written without an LLM/.test(markdown)) {
      assert.ok(metadata.warnings.some((w) => w.startsWith(id)), `${file}: a warning in run_metadata.json (${metadata.warnings.join(' | ')})`);
    }
  }
  // No report timed out waiting: every failure recorded is about the answer, not the server.
  for (const w of metadata.warnings) assert.ok(!/did not answer within|gave no answer within|timed out/i.test(w), w);
  const stats = await model.stats();
  assert.equal(stats.maxInFlight, 1, 'the server answered one request at a time');
  assert.ok(stats.answered >= reports.length, 'the model wrote (or tried) every report');

  // What the model wrote is kept, per report, and listed with the run's files.
  const files = (await runFiles(localRunFiles(dir))).map((f) => f.path);
  const kept = files.filter((f) => f.startsWith('llm_answers/'));
  assert.deepEqual(kept.sort(), ['llm_answers/team_summary.json', 'llm_answers/toggl_summary.json', ...individual.map((f) => `llm_answers/person/${path.basename(f, '.md')}.json`)].sort());
  for (const f of kept) {
    const saved = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { answers: { text: string; request: string }[] };
    assert.ok(saved.answers.length >= 1 && saved.answers[0]!.request === 'answer', f);
  }
});
