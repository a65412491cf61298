/**
 * `volt-agent doctor`: checks a setup against the live APIs without starting a run: the tokens
 * (Toggl, Fibery, the LLM when one is configured), Temporal, every configured type and field, the
 * Toggl quota left and the delivery settings. Exit 0 all good, 2 a configuration problem, 3 an
 * environment problem.
 */
import { defineCommand } from '../define-command.js';
import { jsonOption } from '../shared-options.js';

const MARK = { ok: 'ok     ', problem: 'PROBLEM', skipped: 'skipped' } as const;

export const doctor = defineCommand({
  name: 'doctor',
  description: 'Check the tokens, Temporal, the configured Fibery types and fields, the Toggl quota and the delivery settings, without starting a run.',
  options: (command) => command.addOption(jsonOption('print {ok, exit_code, config_dir, checks: [{check, status, kind, message}]}')),
  examples: [
    { command: 'volt-agent doctor' },
    { command: 'VOLT_CONFIG_DIR=./config volt-agent doctor --json', note: 'check another configuration' },
  ],
  notes:
    'A configured field the workspace lacks is one line with the nearest real names, e.g.\n' +
    '  Scrum/Feature has no field "Release Date"; did you mean "Planned Release Date" or "Actual Release Date"?\n' +
    'Exit codes: 0 all good, 2 a configuration problem (config files, types, fields, delivery settings), 3 an environment problem (a token an API rejects, an API or Temporal that cannot be reached).',
  async handler(opts, ctx) {
    const [{ DOCTOR_CHECKS, exitCodeOf }, { configDir }] = await Promise.all([import('../doctor-checks.js'), import('../../config/app-config.js')]);
    const env = await ctx.env();
    const state = { env, configDir: configDir(env.raw), app: null, enrichment: null, schema: null };
    const findings = [];
    for (const check of DOCTOR_CHECKS) {
      const found = await check(state);
      findings.push(...found);
      if (!opts.json) for (const f of found) ctx.out.result(`${MARK[f.status]} ${f.check}: ${f.message}`);
    }
    const code = exitCodeOf(findings);
    if (opts.json) ctx.out.result(JSON.stringify({ ok: code === 0, exit_code: code, config_dir: state.configDir, checks: findings }, null, 2));
    else ctx.out.result(code === 0 ? 'All good.' : code === 2 ? 'Fix the configuration problems above (exit 2).' : 'Fix the environment problems above (exit 3).');
    return code;
  },
});
