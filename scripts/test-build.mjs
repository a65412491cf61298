// Compiles src/ and test/ to plain JavaScript for `npm test` (scripts/run-tests.mjs).
// Running the tests through tsx costs every test process a loader thread and a round trip per
// module: about 28 of the suite's 228 CPU-seconds on this machine. esbuild transpiles the ~200
// files in well under a second instead (each on its own: tsconfig has isolatedModules; the types
// are checked by `npm run typecheck`).
//
// The build directory looks like a checkout to the code in it: src/ and test/ side by side, the
// files they read (datasets, histories) copied, and config/, bin/, package.json and .tools/ linked
// to the repository's, so paths found from `import.meta.url` (the package root, the config
// directory, the Temporal CLI) resolve as they do from the sources. node_modules is found by
// walking up, as the build directory lies inside the repository.
import { existsSync, statSync } from 'node:fs';
import { cp, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { copyInto, filesUnder } from './files.mjs';

const COMPILED = ['src', 'test'];
const LINKED = ['config', 'bin', 'package.json', '.tools'];

/** Builds into `<root>/tmp/test-build/run-<pid>` and returns that directory. */
export async function compileTests(root) {
  const parent = path.join(root, 'tmp', 'test-build');
  await removeAbandoned(parent);
  const out = path.join(parent, `run-${process.pid}`);
  await rm(out, { recursive: true, force: true });

  const all = (await Promise.all(COMPILED.map((dir) => filesUnder(path.join(root, dir))))).flat();
  const { build } = await import('esbuild');
  await build({
    entryPoints: all.filter((f) => f.endsWith('.ts')),
    outdir: out,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  await copyInto(all.filter((f) => !f.endsWith('.ts')), root, out);
  for (const name of LINKED) {
    if (existsSync(path.join(root, name))) await symlink(path.join(root, name), path.join(out, name));
  }
  // The workflow code the tests' workers run: the build's bundle (made from the same sources,
  // `npm test` builds first when stale), so no test process runs webpack.
  const bundle = path.join(root, 'dist', 'workflow-bundle.js');
  if (existsSync(bundle)) await cp(bundle, path.join(out, 'src', 'workflow-bundle.js'));
  return out;
}

/** Build directories of earlier runs whose process is gone (a run removes its own when it ends). */
async function removeAbandoned(parent) {
  if (!existsSync(parent) || !statSync(parent).isDirectory()) return;
  for (const name of await readdir(parent)) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (pid && isAlive(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
