/**
 * A broken configuration stops `volt-agent run` before anything starts: one line naming the file
 * and the key, exit 2, no API request, nothing written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const BIN = path.resolve('bin/volt-agent.js');
let work: string;
let api: http.Server;
let apiRequests = 0;

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-cli-config-'));
  api = http.createServer((_req, res) => {
    apiRequests++;
    res.writeHead(500).end('no request was expected');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  api.close();
  await rm(work, { recursive: true, force: true });
});

async function brokenConfig(name: string, file: string, change: (text: string) => string): Promise<string> {
  const dir = path.join(work, `config-${name}`);
  await cp(path.resolve('config'), dir, { recursive: true });
  await writeFile(path.join(dir, file), change(await readFile(path.join(dir, file), 'utf8')));
  return dir;
}

const cases: [string, string, (t: string) => string, RegExp][] = [
  ['bad-yaml', 'enrichment_config.yaml', (t) => `${t}\n  "Scrum/Epic": [oops\n`, /enrichment_config\.yaml: not valid YAML/],
  ['unknown-activity', 'enrichment_config.yaml', (t) => t.replace('activity: enrich_scrum_bug', 'activity: enrich_scrum_bugs'), /enrichment_activities\.Scrum\/Bug\.activity: unknown activity "enrich_scrum_bugs"/],
  ['zero-concurrency', 'enrichment_config.yaml', (t) => t.replace(/max_concurrent: 3/, 'max_concurrent: 0'), /enrichment_activities\.Scrum\/Feature\.max_concurrent: must be a positive number/],
  ['app-config', 'config.yaml', (t) => t.replace('temperature: 0.2', 'temperature: hot'), /config\.yaml.*llm\.temperature/],
];

for (const [name, file, change, message] of cases) {
  test(`${name}: refused before any API call`, async () => {
    const configDir = await brokenConfig(name, file, change);
    const outputDir = path.join(work, `runs-${name}`);
    const stateDir = path.join(work, `state-${name}`);
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const started = performance.now();
    const result = await promisify(execFile)(process.execPath, [BIN, 'run', '--start-date', '2026-11-09', '--end-date', '2026-11-15', '--output-dir', outputDir], {
      cwd: work,
      env: {
        ...process.env,
        VOLT_CONFIG_DIR: configDir,
        VOLT_STATE_DIR: stateDir,
        TOGGL_API_URL: url,
        TOGGL_API_TOKEN: 'test-token',
        TOGGL_WORKSPACE_ID: '1',
        FIBERY_API_URL: url,
        FIBERY_API_TOKEN: 'test-token',
        TEMPORAL_ADDRESS: '',
      },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    const ms = performance.now() - started;
    console.log(`${name}: exit ${result.code} after ${ms.toFixed(0)} ms`);
    assert.equal(result.code, 2);
    assert.match(result.stderr, message);
    assert.ok(result.stderr.includes(configDir), 'the message names the file');
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.equal(apiRequests, 0, 'no API was called');
    assert.ok(!existsSync(outputDir) && !existsSync(stateDir), 'nothing was created');
  });
}
