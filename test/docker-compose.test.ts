/**
 * docker-compose.yml (spec 8.1) cannot run here (no Docker engine): check what it declares.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

interface Service {
  image: string;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  environment?: string[] | Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  entrypoint?: string[];
  deploy?: { replicas?: number };
  healthcheck?: { test: string[]; interval: string; retries: number };
  volumes?: string[];
}

const compose = parse(await readFile('docker-compose.yml', 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const all = compose.services;
/** The default stack (spec 8.1); the optional monitoring profile is checked on its own below. */
const services = Object.fromEntries(Object.entries(all).filter(([, s]) => !s.profiles)) as Record<string, Service>;

function env(service: Service): Record<string, string> {
  const e = service.environment ?? {};
  return Array.isArray(e) ? Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1).replace(/\s+#.*$/, '')])) : e;
}

test('the four services of spec 8.1, the run store and the workers', () => {
  assert.deepEqual(Object.keys(services).sort(), ['postgresql', 's3', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'worker']);
});

test('the workers share their runs through the S3-compatible store, never a disk; secrets only by name', () => {
  const s3 = services.s3!;
  const worker = services.worker!;
  const w = env(worker);
  assert.ok((worker.deploy?.replicas ?? 1) >= 2, 'several workers');
  assert.deepEqual(worker.command, ['node', 'bin/volt-agent.js', 'worker']);
  assert.equal(w.TEMPORAL_ADDRESS, 'temporal:7233');
  const bucket = /^s3:\/\/([^/]+)\/\w+$/.exec(w.VOLT_RUN_STORE ?? '')?.[1];
  assert.ok(bucket, `VOLT_RUN_STORE=${w.VOLT_RUN_STORE}`);
  assert.match(s3.entrypoint!.join(' '), new RegExp(`mkdir -p /data/${bucket} && exec /app/versitygw --port :(\\d+) posix /data`), 'the store creates the bucket');
  const port = /--port :(\d+)/.exec(s3.entrypoint!.join(' '))![1];
  assert.equal(w.VOLT_S3_ENDPOINT, `http://s3:${port}`);
  assert.deepEqual(s3.ports, [`${port}:${port}`]);
  const s = env(s3);
  // The same credentials on both sides, from the operator's environment, never a secret in the file.
  assert.equal(w.AWS_ACCESS_KEY_ID, s.ROOT_ACCESS_KEY_ID);
  assert.equal(w.AWS_SECRET_ACCESS_KEY, s.ROOT_SECRET_ACCESS_KEY);
  assert.match(w.AWS_SECRET_ACCESS_KEY!, /^\$\{VOLT_S3_SECRET_KEY:\?/);
  for (const name of ['TOGGL_API_TOKEN', 'FIBERY_API_TOKEN', 'OPENAI_API_KEY']) assert.ok((worker.environment as string[]).includes(name), `${name} passed by name`);
  assert.ok(!w.VOLT_RUN_STORE!.includes('@'), 'no credentials in the store URL');
  assert.deepEqual(worker.depends_on, { temporal: { condition: 'service_healthy' }, s3: { condition: 'service_healthy' } });
  assert.ok(s3.volumes?.some((v) => v.startsWith('volt-runs:')), 'the runs persist in a volume');
  assert.ok('volt-runs' in compose.volumes);
  assert.ok(!(worker.volumes ?? []).some((v) => v.startsWith('volt-runs')), 'no worker mounts the runs');
});

test('every image has a pinned version, none is latest', () => {
  for (const [name, service] of Object.entries(all)) {
    const match = /^([\w./-]+):([\w.-]+)$/.exec(service.image);
    assert.ok(match, `${name}: ${service.image} has a tag`);
    assert.notEqual(match[2], 'latest', `${name} is pinned`);
    assert.match(match[2]!, /^v?\d+\.\d+/, `${name}: ${service.image} names a version`);
  }
  const version = (image: string) => /:(\d+\.\d+\.\d+)/.exec(image)?.[1];
  assert.equal(version(services['temporal-admin-tools']!.image), version(services.temporal!.image), 'admin tools match the server');
});

test('ports: Temporal 7233, UI 8080, PostgreSQL 5432', () => {
  assert.deepEqual(services.temporal!.ports, ['7233:7233']);
  assert.deepEqual(services['temporal-ui']!.ports, ['8080:8080']);
  assert.deepEqual(services.postgresql!.ports, ['5432:5432']);
});

test('dependencies wait for health: postgresql → temporal → UI and admin tools', () => {
  assert.deepEqual(services.temporal!.depends_on, { postgresql: { condition: 'service_healthy' } });
  assert.deepEqual(services['temporal-ui']!.depends_on, { temporal: { condition: 'service_healthy' } });
  assert.deepEqual(services['temporal-admin-tools']!.depends_on, { temporal: { condition: 'service_healthy' } });
  assert.match(services.postgresql!.healthcheck!.test.join(' '), /pg_isready/);
  assert.match(services.temporal!.healthcheck!.test.join(' '), /cluster health/);
});

test('the server uses the database, the UI and the tools use the server', () => {
  const db = env(services.postgresql!);
  const temporal = env(services.temporal!);
  assert.equal(temporal.POSTGRES_SEEDS, 'postgresql');
  assert.equal(temporal.DB_PORT, '5432');
  assert.equal(temporal.POSTGRES_USER, db.POSTGRES_USER);
  assert.equal(temporal.POSTGRES_PWD, db.POSTGRES_PASSWORD);
  assert.equal(env(services['temporal-ui']!).TEMPORAL_ADDRESS, 'temporal:7233');
  assert.equal(env(services['temporal-admin-tools']!).TEMPORAL_ADDRESS, 'temporal:7233');
  assert.ok(services.postgresql!.volumes?.some((v) => v.startsWith('temporal-postgres:')), 'the database persists in a volume');
  assert.ok('temporal-postgres' in compose.volumes);
});

test('the API queues get one partition, so a cap on their activity rates holds across workers', async () => {
  const temporal = services.temporal!;
  const mount = (temporal.volumes ?? []).find((v) => v.startsWith('./deploy/temporal-dynamic-config.yaml:'));
  assert.ok(mount, 'the dynamic config file is mounted');
  const inside = mount.split(':')[1]!;
  assert.equal(`/etc/temporal/${env(temporal).DYNAMIC_CONFIG_FILE_PATH}`, inside);
  const config = parse(await readFile('deploy/temporal-dynamic-config.yaml', 'utf8')) as Record<string, { value: number; constraints: { taskQueueName: string } }[]>;
  for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
    assert.deepEqual(config[key]?.map((c) => [c.constraints.taskQueueName, c.value]), [['volt-agent-pipeline-toggl', 1], ['volt-agent-pipeline-fibery', 1]]);
  }
});

test('the monitoring profile: Prometheus with the alert rules scraping the worker, Grafana with the dashboard', async () => {
  const monitoring = Object.entries(all).filter(([, s]) => s.profiles?.includes('monitoring')).map(([name]) => name).sort();
  assert.deepEqual(monitoring, ['grafana', 'prometheus']);
  const mounts = (service: Service) => Object.fromEntries((service.volumes ?? []).map((v) => v.split(':')).filter(([from]) => from!.startsWith('./')).map(([from, to]) => [from, to]));
  const prometheus = mounts(all.prometheus!);
  for (const from of Object.keys(prometheus)) assert.ok(existsSync(from), `${from} exists`);
  const config = parse(await readFile('deploy/prometheus/prometheus.yml', 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
  assert.equal(prometheus['./deploy/prometheus/prometheus.yml'], '/etc/prometheus/prometheus.yml');
  assert.deepEqual(config.rule_files, [prometheus['./deploy/prometheus/alerts.yml']]);
  const job = config.scrape_configs.find((c) => c.job_name === 'volt-agent-worker');
  assert.deepEqual(job?.static_configs[0]?.targets, ['host.docker.internal:9464'], 'the worker on the host, on the port the README gives');
  const workerMetrics = env(services.worker!).VOLT_METRICS_ADDRESS;
  assert.equal(workerMetrics, '0.0.0.0:9464', 'the compose workers serve metrics');
  const dns = (job as { dns_sd_configs?: { names: string[]; type: string; port: number }[] } | undefined)?.dns_sd_configs;
  assert.deepEqual(dns, [{ names: ['worker'], type: 'A', port: Number(workerMetrics.split(':')[1]) }], 'every compose worker replica is scraped');
  const alerts = await readFile('deploy/prometheus/alerts.yml', 'utf8');
  assert.match(alerts, /up\{job="volt-agent-worker"\}/, 'the worker-down alert names the scrape job');

  const grafana = mounts(all.grafana!);
  assert.equal(grafana['./deploy/grafana/provisioning'], '/etc/grafana/provisioning');
  const dashboards = parse(await readFile('deploy/grafana/provisioning/dashboards/volt-agent.yml', 'utf8')) as { providers: { options: { path: string } }[] };
  assert.equal(path.posix.dirname(grafana['./deploy/grafana/volt-agent.json']!), dashboards.providers[0]!.options.path);
  const sources = parse(await readFile('deploy/grafana/provisioning/datasources/prometheus.yml', 'utf8')) as { datasources: { type: string; url: string }[] };
  assert.deepEqual(sources.datasources.map((d) => [d.type, d.url]), [['prometheus', 'http://prometheus:9090']]);
  assert.deepEqual(all.grafana!.depends_on, { prometheus: { condition: 'service_healthy' } });
});
