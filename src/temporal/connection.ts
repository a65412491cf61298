/**
 * How volt-agent reaches a Temporal server of its own (not the embedded one): Temporal's own
 * environment configuration (@temporalio/envconfig), so TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, the TEMPORAL_TLS_* certificates and the profiles of the Temporal config file
 * (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE picks one) work
 * for the worker and every command, Temporal Cloud included.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';
import { temporalEnv, type Env } from '../config/env.js';
import { EnvironmentError, ValidationError } from '../errors.js';

export interface TemporalConnectionSettings {
  /** null: no server configured anywhere, so the embedded mode. */
  address: string | null;
  namespace: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
  /** Where the settings came from, for messages: variables, or a profile of a config file. */
  source: string;
}

export const DEFAULT_NAMESPACE = 'default';

/** The settings of the environment and the Temporal config file; a broken file or profile is bad input. */
export function temporalConnectionSettings(env: Env): TemporalConnectionSettings {
  const vars = temporalEnv(env).envconfigVars;
  let config;
  try {
    config = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch (error) {
    const file = vars.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file (~/.config/temporalio/temporal.toml)';
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ValidationError(`Temporal connection settings (TEMPORAL_* variables, ${file}${vars.TEMPORAL_PROFILE ? `, profile ${vars.TEMPORAL_PROFILE}` : ''}): ${reason}`);
  }
  const options = config.connectionOptions;
  const profile = vars.TEMPORAL_PROFILE;
  return {
    address: options.address?.trim() || null,
    namespace: config.namespace?.trim() || DEFAULT_NAMESPACE,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.metadata && Object.keys(options.metadata).length ? { metadata: options.metadata as Record<string, string> } : {}),
    source: vars.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : `profile "${profile ?? 'default'}" of ${vars.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml'}`,
  };
}

/** The options both Connection.connect and NativeConnection.connect take. */
function connectOptions(settings: TemporalConnectionSettings & { address: string }) {
  return {
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** A short reason for a failed connection, without the transport library's wrapping. */
export function connectionProblem(error: unknown): string {
  const text = error instanceof Error ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}` : String(error);
  const certificate = /(self[- ]signed certificate[^.;\n]*|unable to verify[^.;\n]*|UnknownIssuer|invalid peer certificate[^.;\n]*|certificate (has expired|is not valid)[^.;\n]*|Hostname\/IP does not match[^.;\n]*|NotValidForName|CERT_[A-Z_]+)/i.exec(text);
  if (certificate) return `TLS: the server's certificate is not trusted (${certificate[1]!.trim()})`;
  if (/ECONNREFUSED|Connection refused/i.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN|dns error|failed to lookup/i.test(text)) return 'unknown host';
  if (/handshake|wrong version number|WRONG_VERSION|ssl|tls|ALPN/i.test(text)) return `TLS handshake failed (${text.split('\n')[0]!.slice(0, 100)})`;
  if (/ETIMEDOUT|deadline|timed out|no answer/i.test(text)) return 'no answer';
  const first = text.split('\n')[0]!.trim();
  return first.length > 120 ? `${first.slice(0, 117)}…` : first;
}

const TLS_HINT =
  'check TEMPORAL_TLS_SERVER_CA_CERT_PATH (the CA that signed the server\'s certificate), TEMPORAL_TLS_SERVER_NAME, or the tls settings of your Temporal profile';

function unreachable(settings: { address: string; source?: string }, error: unknown, hint: string): EnvironmentError {
  const problem = connectionProblem(error);
  const fix = problem.startsWith('TLS') ? TLS_HINT : hint;
  return new EnvironmentError(`cannot reach the Temporal server at ${settings.address} (${problem}): ${fix}`, { cause: error });
}

/** Fails fast when nothing listens at host:port (gRPC would retry until its deadline). */
export function probeTcp(address: string, timeoutMs = 3000): Promise<void> {
  const match = /^(.*):(\d+)$/.exec(address.replace(/^[a-z]+:\/\//i, ''));
  if (!match) return Promise.resolve();
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error('no answer')));
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error));
  });
}

/**
 * With TLS, a handshake of our own first: gRPC retries a refused certificate until its deadline
 * and then reports only "no answer", where this names the certificate problem at once.
 */
function probeTls(settings: TemporalConnectionSettings & { address: string }, timeoutMs = 5000): Promise<void> {
  const match = /^(.*):(\d+)$/.exec(settings.address);
  if (!match || !settings.tls) return Promise.resolve();
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const config = settings.tls === true ? {} : settings.tls;
  const servername = config.serverNameOverride ?? (net.isIP(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(match[2]),
      ...(servername ? { servername } : {}),
      ...(config.serverRootCACertificate ? { ca: Buffer.from(config.serverRootCACertificate) } : {}),
      ...(config.clientCertPair ? { cert: Buffer.from(config.clientCertPair.crt), key: Buffer.from(config.clientCertPair.key) } : {}),
      ALPNProtocols: ['h2'],
    });
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error('no answer to the TLS handshake')));
    socket.once('secureConnect', () => done());
    socket.once('error', (error) => done(error));
  });
}

const CONNECT_TIMEOUT_MS = 10_000;

/** A client connection (commands); an EnvironmentError in one line when the server cannot be used. */
export async function connectClient(settings: TemporalConnectionSettings & { address: string }, hint: string): Promise<Connection> {
  const { Connection } = await import('@temporalio/client');
  try {
    await probeTcp(settings.address);
    await probeTls(settings);
    return await Connection.connect({ ...connectOptions(settings), connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    throw unreachable(settings, error, hint);
  }
}

/** A worker connection; an EnvironmentError in one line when the server cannot be used. */
export async function connectNative(settings: TemporalConnectionSettings & { address: string }, hint: string): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  let timer: NodeJS.Timeout | undefined;
  try {
    await probeTcp(settings.address);
    await probeTls(settings);
    return await Promise.race([
      NativeConnection.connect(connectOptions(settings)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    throw unreachable(settings, error, hint);
  } finally {
    clearTimeout(timer);
  }
}

export async function newClient(connection: Connection, namespace: string): Promise<Client> {
  const { Client } = await import('@temporalio/client');
  return new Client({ connection, namespace });
}
