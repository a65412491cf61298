/**
 * Any Temporal: the worker and the commands reach a server of your own through Temporal's own
 * environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 * profiles of a TOML config file). `temporal server start-dev` speaks no TLS, so a Node TLS proxy
 * (ALPN h2, a certificate signed by a CA made here with openssl) stands in front of it, as a load
 * balancer of a real cluster would. A certificate the client does not trust fails in one line, exit 3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { buildDataset } from '../support/datasets.js';
import { ensureTemporalBinary } from '../../src/temporal/binary.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { HANG_GUARD_MS } from '../support/cli-process.js';

const BIN = path.resolve('bin/volt-agent.js');
const exec = promisify(execFile);

let work: string;
let server: DevServer;
let proxy: tls.Server;
let sandbox: Sandbox;
let address: string;
const workers: ChildProcess[] = [];

/** A CA and a server certificate it signs for 127.0.0.1, plus an unrelated CA. */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = (...args: string[]) => exec('openssl', args, { cwd: dir });
  for (const ca of ['ca', 'other-ca']) {
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=volt-agent test ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
  }
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  await writeFile(path.join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem');
}

/** TLS in front, the dev server's plain gRPC behind: HTTP/2 runs inside the TLS stream unchanged. */
async function startTlsProxy(target: string): Promise<tls.Server> {
  const [host, port] = target.split(':') as [string, string];
  const proxyServer = tls.createServer(
    { key: await readFile(path.join(work, 'server.key')), cert: await readFile(path.join(work, 'server.pem')), ALPNProtocols: ['h2'] },
    (client) => {
      const upstream = net.connect(Number(port), host);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    },
  );
  proxyServer.on('tlsClientError', () => undefined); // the untrusting clients hang up mid-handshake
  // Both loopbacks: "localhost" may resolve to either.
  await new Promise<void>((resolve) => proxyServer.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
  return proxyServer;
}

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'volt-tls-'));
  await makeCertificates(work);
  // What is tested is the connection: a small dataset keeps the run short.
  [server, sandbox] = await Promise.all([startDevServer({ binaryPath: await ensureTemporalBinary() }), startSandbox({ dataset: buildDataset([{ space: 'Scrum', type: 'Task', count: 2 }]), fiberyLatencyMs: 0 })]);
  proxy = await startTlsProxy(server.address);
  // A host name, as a real cluster has (TLS names no IP addresses: Node warns about SNI with one).
  address = `localhost:${(proxy.address() as net.AddressInfo).port}`;
  await writeFile(
    path.join(work, 'temporal.toml'),
    `[profile.secure]\naddress = "${address}"\nnamespace = "default"\n[profile.secure.tls]\nserver_ca_cert_path = "${path.join(work, 'ca.pem')}"\n`,
  );
});

after(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  proxy?.close();
  await sandbox?.close();
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

/** No tokens, no Temporal settings from the machine, no Temporal config file of the machine's user. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TOGGL_|FIBERY_|OPENAI_|ANTHROPIC_|VOLT_|TEMPORAL_(?!CLI_PATH)|NO_COLOR|CI$)/.test(k)));
  return { ...clean, XDG_CONFIG_HOME: path.join(work, 'no-config'), VOLT_STATE_DIR: path.join(work, 'state'), ...extra };
}

async function volt(args: string[], extra: Record<string, string>) {
  const started = Date.now();
  return exec(process.execPath, [BIN, ...args], { cwd: work, env: env(extra), timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr, ms: Date.now() - started }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started }),
  );
}

const trusted = () => ({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(work, 'ca.pem') });

describe('a Temporal server behind TLS', () => {
  test('a certificate the client does not trust: worker and run fail in one line, exit 3, nothing started', async () => {
    const wrong = { ...trusted(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(work, 'other-ca.pem') };
    const runs = path.join(work, 'refused-runs');
    for (const args of [['worker'], ['run', '--start-date', '2026-11-09', '--end-date', '2026-11-15', '--output-dir', runs]]) {
      const result = await volt(args, wrong);
      assert.equal(result.code, 3, `${args[0]}: ${result.stderr}`);
      const lines = result.stderr.trim().split('\n').filter((l) => !l.startsWith('Warning: '));
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`^volt-agent: cannot reach the Temporal server at ${address} \\(TLS: the server's certificate is not trusted .*\\): check TEMPORAL_TLS_SERVER_CA_CERT_PATH`));
      console.log(`# ${args[0]}: ${lines[0]} (${result.ms} ms)`);
    }
    assert.ok(!existsSync(runs), 'no run directory');
    // Plain gRPC against the TLS port is refused just as clearly.
    const plain = await volt(['worker'], { TEMPORAL_ADDRESS: address });
    assert.equal(plain.code, 3, plain.stderr);
    assert.match(plain.stderr, /^volt-agent: cannot reach the Temporal server at /m);
  });

  test('worker (TEMPORAL_* variables) and run (a profile of a config file) connect over TLS and the run completes', async () => {
    const worker = spawn(process.execPath, [BIN, 'worker'], { cwd: work, env: env({ ...trusted(), ...sandbox.env, VOLT_WORKER_SHUTDOWN_GRACE_SECONDS: '1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    workers.push(worker);
    let output = '';
    worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!/Worker polling task queue/.test(output)) {
      assert.ok(Date.now() < deadline && worker.exitCode === null, `the worker did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(output, new RegExp(`on ${address} \\(namespace default\\)`));

    const runs = path.join(work, 'runs');
    const result = await volt(['run', '--start-date', '2026-11-09', '--end-date', '2026-11-15', '--output-dir', runs, '--json'], {
      TEMPORAL_CONFIG_FILE: path.join(work, 'temporal.toml'),
      TEMPORAL_PROFILE: 'secure',
      // Sent as an authorization header inside TLS; the dev server does not check it.
      TEMPORAL_API_KEY: 'test-api-key',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`Temporal: ${address} \\(namespace default\\)`));
    const summary = JSON.parse(result.stdout) as { status: string; run_id: string };
    assert.equal(summary.status, 'completed');
    const metadata = JSON.parse(await readFile(path.join(runs, summary.run_id, 'run_metadata.json'), 'utf8')) as { status: string };
    assert.equal(metadata.status, 'completed');

    const shown = await volt(['show-run', '--run-id', summary.run_id, '--output-dir', runs, '--json'], { TEMPORAL_CONFIG_FILE: path.join(work, 'temporal.toml'), TEMPORAL_PROFILE: 'secure' });
    assert.equal(JSON.parse(shown.stdout).status, 'completed');
    worker.kill('SIGTERM');
    assert.equal(await new Promise((resolve) => worker.once('exit', resolve)), 0, output);
    assert.doesNotMatch(output + result.stderr + result.stdout, /test-api-key/, 'the API key is never printed');
  });
});
