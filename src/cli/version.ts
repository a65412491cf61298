/** `volt-agent --version`: the package's version and the pipeline version its run files carry. */
import { readFileSync } from 'node:fs';
import { PIPELINE_VERSION } from '../workflows/pipeline-version.js';

/** package.json sits two levels above this module, in src/cli/ and in dist/cli/ alike. */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function versionText(): string {
  return `volt-agent ${packageVersion()} (pipeline ${PIPELINE_VERSION})`;
}
