#!/usr/bin/env node
// Makes sure the Temporal CLI is available (finding it or installing it into .tools/temporal/)
// and prints its path on stdout. Progress goes to stderr. Used by CI before the tests.
//   node scripts/provision-temporal.mjs
import { register } from 'tsx/esm/api';

register();
const { ensureTemporalBinary, getTemporalCliVersion } = await import('../src/temporal/binary.ts');

const started = Date.now();
try {
  const binary = await ensureTemporalBinary({ log: (line) => process.stderr.write(`${line}\n`) });
  const version = await getTemporalCliVersion(binary);
  process.stderr.write(`${version} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  process.stdout.write(`${binary}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
