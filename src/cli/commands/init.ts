/**
 * `volt-agent init`: the first thing a new team runs. Reads the Fibery workspace's schema, the
 * Toggl workspace's users and the last weeks of time, says how much of the time carries a
 * `#ID [Db] [Type]` reference, which types occur (and whether they exist), who tracked what, and
 * writes a configuration directory naming only fields that exist.
 */
import path from 'node:path';
import { Option } from '@commander-js/extra-typings';
import { ValidationError } from '../../errors.js';
import { defineCommand } from '../define-command.js';
import { EXIT } from '../output.js';
import { jsonOption, wholeNumber } from '../shared-options.js';

export const init = defineCommand({
  name: 'init',
  description: "Survey your Toggl time and Fibery workspace and write a configuration that fits them (the first command for a new team).",
  options: (command) =>
    command
      .option('--weeks <n>', 'how many weeks of Toggl time to look at', wholeNumber('--weeks', 1, 52), 4)
      .option('--end-date <date>', 'the last day to look at, YYYY-MM-DD (default: today)')
      .addOption(new Option('--config-dir <dir>', 'where to write config.yaml and enrichment_config.yaml (default: VOLT_CONFIG_DIR, else your per-user config directory, which later commands find by themselves)'))
      .option('--dry-run', 'print what would be written, write nothing', false)
      .option('--force', 'overwrite files that already exist', false)
      .addOption(jsonOption('print the findings as one JSON object (match_rate, types, people, config_dir, files)')),
  examples: [
    { command: 'volt-agent init', note: 'survey the last 4 weeks and write ~/.config/volt-agent/' },
    { command: 'volt-agent init --weeks 8 --dry-run', note: 'see the findings and the files, write nothing' },
    { command: 'volt-agent init --config-dir ./config --force', note: 'a project-local configuration, replacing the one there' },
    { command: "volt-agent init --json | jq '.types[] | select(.exists | not)'", note: 'types your team tracks that Fibery lacks' },
  ],
  notes:
    'Needs TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID, FIBERY_API_TOKEN and FIBERY_WORKSPACE (or FIBERY_API_URL), in the environment or .env.\n' +
    'It makes one fibery.schema/query, one Toggl users request and one Toggl request per page of entries (paced, quota-aware).\n' +
    'Exit codes: 0 written (or --dry-run), 2 bad input (a missing or rejected token, an existing file without --force), 3 an API cannot be reached.',
  async handler(opts, ctx) {
    const [{ togglSettings, fiberySettings }, { userConfigDir }, files, { writeFileAtomic }, { mkdir, access }] = await Promise.all([
      import('../../config/env.js'),
      import('../../config/app-config.js'),
      import('../../config/init-files.js'),
      import('../../storage/json-storage.js'),
      import('node:fs/promises'),
    ]);
    const { assertIsoDate } = await import('../../toggl/dates.js');
    if (opts.endDate !== undefined) assertIsoDate(opts.endDate, '--end-date');
    const env = await ctx.env();
    const toggl = togglSettings(env);
    const fibery = fiberySettings(env);
    const dir = path.resolve(opts.configDir ?? env.VOLT_CONFIG_DIR ?? userConfigDir(env.raw));
    const existing: string[] = [];
    for (const name of files.CONFIG_FILES) if (await access(path.join(dir, name)).then(() => true, () => false)) existing.push(name);
    if (existing.length > 0 && !opts.force && !opts.dryRun) {
      throw new ValidationError(`${existing.map((n) => path.join(dir, n)).join(' and ')} already exist${existing.length === 1 ? 's' : ''}: nothing was written (--force replaces them, --dry-run shows what init would write, --config-dir writes elsewhere)`);
    }

    const found = await surveyWorkspace(opts.weeks, opts.endDate, toggl, fibery, (line) => ctx.out.info(line));
    const now = new Date();
    const contents: Record<(typeof files.CONFIG_FILES)[number], string> = {
      'config.yaml': await files.configYaml(),
      'enrichment_config.yaml': files.enrichmentConfigYaml(found.survey, found.schema, now),
    };
    if (!opts.dryRun) {
      await mkdir(dir, { recursive: true });
      for (const name of files.CONFIG_FILES) await writeFileAtomic(path.join(dir, name), contents[name]);
    }
    if (opts.json) {
      ctx.out.result(JSON.stringify({ ...found.survey, config_dir: dir, dry_run: opts.dryRun, files: files.CONFIG_FILES.map((n) => path.join(dir, n)), written: !opts.dryRun }, null, 2));
      return EXIT.OK;
    }
    ctx.out.result(report(found.survey, dir, opts.dryRun));
    if (opts.dryRun) for (const name of files.CONFIG_FILES) ctx.out.result(`\n--- ${path.join(dir, name)} (not written)\n${contents[name]}`);
    return EXIT.OK;
  },
});

async function surveyWorkspace(
  weeks: number,
  endDate: string | undefined,
  toggl: import('../../config/env.js').TogglSettings,
  fibery: import('../../config/env.js').FiberySettings,
  progress: (line: string) => void,
) {
  const [{ TogglClient }, { FiberyClient }, survey, { accessProblem }] = await Promise.all([
    import('../../toggl/client.js'),
    import('../../fibery/client.js'),
    import('../survey.js'),
    import('../../http/access.js'),
  ]);
  const { EnvironmentError } = await import('../../errors.js');
  const togglClient = new TogglClient({ apiToken: toggl.apiToken, workspaceId: toggl.workspaceId, ...(toggl.apiUrl ? { baseUrl: toggl.apiUrl } : {}) });
  const fiberyClient = new FiberyClient({ token: fibery.apiToken, ...(fibery.apiUrl ? { baseUrl: fibery.apiUrl } : { workspace: fibery.workspace! }) });
  const now = new Date();
  const period = { ...survey.surveyPeriod(weeks, endDate ?? now.toISOString().slice(0, 10)), weeks };
  try {
    progress('Fibery: reading the workspace schema (fibery.schema/query)');
    const schema = await fiberyClient.workspaceSchema();
    progress(`Fibery: ${schema.types.size} database types`);
    const users = await togglClient.listWorkspaceUsers();
    progress(`Toggl: ${users.length} users in workspace ${toggl.workspaceId}; fetching ${period.start_date} to ${period.end_date}`);
    const entries = await survey.fetchEntries(togglClient, period, progress);
    return { schema, survey: survey.survey(entries, users, schema, period, now) };
  } catch (error) {
    const line = accessProblem(error);
    if (line) throw (error as { status: number }).status === 0 ? new EnvironmentError(line) : new ValidationError(line);
    throw error;
  }
}

const pct = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

function report(s: import('../survey.js').Survey, dir: string, dryRun: boolean): string {
  const lines = [
    `Toggl time of ${s.period.start_date} to ${s.period.end_date}: ${s.hours} h in ${s.entries} entries, ${pct(s.match_rate)} of it with a #ID [Db] [Type] reference` +
      (s.incomplete_reference_hours > 0 ? ` (${s.incomplete_reference_hours} h more name an id without its database and type)` : ''),
    '',
    'Types tracked:',
    ...(s.types.length === 0 ? ['  (none: no entry names a #ID [Db] [Type])'] : []),
    ...s.types.map((t) => `  ${t.key.padEnd(32)} ${String(t.hours).padStart(8)} h ${String(t.entries).padStart(6)} entries  ${t.exists ? 'exists' : `NOT IN FIBERY${t.nearest.length ? ` (nearest: ${t.nearest.join(', ')})` : ''}`}`),
    '',
    'People:',
    ...s.people.map((p) => `  ${p.name.padEnd(28)} ${p.email.padEnd(34)} ${String(p.hours).padStart(8)} h  ${pct(p.match_rate)} referenced`),
    '',
    dryRun ? `Would write ${dir}/config.yaml and enrichment_config.yaml (--dry-run: nothing written).` : `Wrote ${dir}/config.yaml and enrichment_config.yaml. Next: volt-agent doctor, then volt-agent run --start-date … --end-date …`,
  ];
  return lines.join('\n');
}
