#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a fresh clone needs only `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv));
