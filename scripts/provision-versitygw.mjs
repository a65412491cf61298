#!/usr/bin/env node
// Makes sure versitygw (the S3-compatible server `npm run test:s3` runs against) is built into
// .tools/versitygw/ and prints its path on stdout. A warm run finds it and builds nothing.
//   node scripts/provision-versitygw.mjs
import { register } from 'tsx/esm/api';

register();
const { ensureVersitygw } = await import('../test/support/versitygw.ts');

const started = Date.now();
try {
  const binary = await ensureVersitygw((line) => process.stderr.write(`${line}\n`));
  process.stderr.write(`versitygw ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  process.stdout.write(`${binary}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
