/**
 * The monitoring stack a test starts on loopback: Debian's Prometheus (short scrape and evaluation
 * intervals, the repository's alert rules) and Alertmanager (one webhook receiver, no waiting to
 * group), plus a webhook that records what it is sent and a real SMTP server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { stringify } from 'yaml';
import { getFreePort } from '../../src/temporal/ports.js';


/** Polls `check` until it returns something other than undefined (or throws when time is up). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(250);
  }
}

export function binary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return null;
}

function started(command: string, args: string[], logFile: string): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.once('exit', () => void writeFile(logFile, text).catch(() => undefined));
  return { child, output: () => text };
}

async function ready(url: string, proc: { child: ChildProcess; output: () => string }, what: string): Promise<void> {
  await eventually(`${what} to be ready`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited: ${proc.output().slice(-2000)}`);
    const res = await fetch(url).catch(() => null);
    return res?.ok ? true : undefined;
  }, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${proc.output().slice(-2000)}`);
  });
}

export interface Received {
  path: string;
  body: string;
}

/** An HTTP server that answers 200 to every POST and keeps it: Alertmanager's webhook, Slack's incoming webhook. */
export async function startWebhook(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
}

export async function startSmtp(user: string, password: string): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user });
      return callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8').on('data', (d: string) => (raw += d));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface MonitoringStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Prometheus' instant query; throws on an error answer. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  alerts(): Promise<{ labels: Record<string, string>; state: string }[]>;
  stop(): Promise<void>;
}

export async function startMonitoring(opts: { dir: string; workerMetrics: string; rulesFile: string; webhookUrl: string }): Promise<MonitoringStack> {
  const prometheus = binary('prometheus');
  const alertmanager = binary('prometheus-alertmanager') ?? binary('alertmanager');
  if (!prometheus || !alertmanager) throw new Error('Prometheus and Alertmanager are not installed (apt-get install prometheus prometheus-alertmanager)');
  await mkdir(opts.dir, { recursive: true });
  const [promPort, amPort] = [await getFreePort(), await getFreePort()];

  const amConfig = path.join(opts.dir, 'alertmanager.yml');
  await writeFile(
    amConfig,
    stringify({
      route: { receiver: 'webhook', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'webhook', webhook_configs: [{ url: `${opts.webhookUrl}/alertmanager`, send_resolved: false }] }],
    }),
  );
  const am = started(alertmanager, [`--config.file=${amConfig}`, `--storage.path=${path.join(opts.dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='], path.join(opts.dir, 'alertmanager.log'));

  const promConfig = path.join(opts.dir, 'prometheus.yml');
  await writeFile(
    promConfig,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [opts.rulesFile],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      // The job name the worker-down rule names (deploy/prometheus/prometheus.yml).
      scrape_configs: [{ job_name: 'volt-agent-worker', static_configs: [{ targets: [opts.workerMetrics] }] }],
    }),
  );
  const prom = started(
    prometheus,
    [`--config.file=${promConfig}`, `--storage.tsdb.path=${path.join(opts.dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-lifecycle'],
    path.join(opts.dir, 'prometheus.log'),
  );
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  await Promise.all([ready(`${alertmanagerUrl}/-/ready`, am, 'Alertmanager'), ready(`${prometheusUrl}/-/ready`, prom, 'Prometheus')]);

  const api = async <T>(route: string): Promise<T> => {
    const res = await fetch(`${prometheusUrl}${route}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${route}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    prometheusUrl,
    alertmanagerUrl,
    query: async (expr) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts')).alerts,
    async stop() {
      for (const proc of [prom, am]) {
        if (proc.child.exitCode !== null) continue;
        proc.child.kill('SIGTERM');
        await new Promise((resolve) => proc.child.once('exit', resolve));
      }
    },
  };
}

/** Sums the samples of `name` in Prometheus text whose labels include `labels`. */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** Every metric name in Prometheus text (histograms by their base name too). */
export function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)/.exec(line);
    if (!match || line.startsWith('#')) continue;
    names.add(match[1]!);
    names.add(match[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}
