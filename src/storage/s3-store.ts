/**
 * The run store in an S3-compatible bucket (`VOLT_RUN_STORE=s3://BUCKET/PREFIX`): keys mirror the
 * run directory (`PREFIX/<run_id>/reports/team_summary.md`). Objects are written whole (atomic by
 * nature), large ones streamed in parts; an update is a conditional write (If-Match on the ETag it
 * read), so two workers never lose each other's change.
 *
 * Failures are sorted once, here: a store that cannot be reached (connection refused, a timeout, a
 * 5xx) is waited for with backoff for `patienceMs`, then a RunStoreUnavailableError (which Temporal
 * retries); a store that refuses the settings (no such bucket, refused credentials) is a
 * RunStoreConfigError at once. Credentials come from this process's environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY or AWS_PROFILE), read by the AWS SDK; they never enter a run file.
 */
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import type { RunStoreSettings } from '../config/env.js';
import { validateRunId } from './json-storage.js';
import {
  joinKey,
  jsonText,
  missingRunFile,
  parseRunFile,
  RunStoreConfigError,
  RunStoreUnavailableError,
  type RunFiles,
  type RunStore,
  type StoredFile,
} from './run-store.js';

export interface S3StoreOptions {
  /** How long a call waits for an unreachable store before it gives up (a worker: a minute; the CLI: none). */
  patienceMs: number;
  /** Explicit credentials (else the SDK's chain: AWS_* of this process, AWS_PROFILE, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Told when a call waits for the store. */
  log?: (line: string) => void;
}

/** Requests by kind (PUT, GET, HEAD, LIST, COPY, DELETE), for `npm run bench` and the README's costs. */
export type RequestCounts = Record<string, number>;

const CONFIG_ERRORS = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidBucketName',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'InvalidToken',
  'ExpiredToken',
  'CredentialsProviderError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const MAX_BACKOFF_MS = 8_000;
const PART_BYTES = 8 * 1024 * 1024;

interface S3Failure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: { code?: string };
}

const statusOf = (error: unknown) => (error as S3Failure)?.$metadata?.httpStatusCode;

function kindOf(error: unknown): 'unavailable' | 'config' | 'other' {
  const e = error as S3Failure;
  const status = statusOf(error);
  if ((e?.name && CONFIG_ERRORS.has(e.name)) || status === 403 || status === 301) return 'config';
  const code = e?.code ?? e?.cause?.code;
  if ((status !== undefined && status >= 500) || e?.name === 'TimeoutError' || e?.name === 'RequestTimeout' || (code && NETWORK_CODES.has(code))) return 'unavailable';
  return 'other';
}

const isMissing = (error: unknown) => ['NoSuchKey', 'NotFound'].includes((error as S3Failure)?.name ?? '') || statusOf(error) === 404;
const isConflict = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409 || (error as S3Failure)?.name === 'PreconditionFailed';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Sdk = typeof import('@aws-sdk/client-s3') & Pick<typeof import('@aws-sdk/lib-storage'), 'Upload'>;
let sdkLoading: Promise<Sdk> | undefined;

/**
 * The AWS SDK, loaded by the first call to a bucket: about 0.15 s of CPU that every command
 * and worker opening a run store paid at start, though most use the local directory.
 */
function loadSdk(): Promise<Sdk> {
  sdkLoading ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ ...s3, Upload: storage.Upload }));
  return sdkLoading;
}

export function s3RunStore(settings: RunStoreSettings, opts: S3StoreOptions): RunStore & { requests: RequestCounts } {
  const endpoint = settings.endpoint ?? `https://s3.${settings.region}.amazonaws.com`;
  const config: S3ClientConfig = {
    region: settings.region,
    forcePathStyle: true,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    // Our own waiting (below) covers outages; the SDK retries a hiccup once.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
    // Checksums only where S3 requires them: S3-compatible servers differ in the newer ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  // volt-agent runs on Node 20 (package.json engines): the SDK's notice about its own future
  // releases would print on every command and worker start, telling our users nothing they can act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let client: S3Client | undefined;
  /** The client of the store, made with the SDK's first load. */
  const s3 = async (): Promise<{ sdk: Sdk; client: S3Client }> => {
    const sdk = await loadSdk();
    client ??= new sdk.S3Client(config);
    return { sdk, client };
  };
  const bucket = settings.bucket;
  const base = settings.prefix;
  const location = `s3://${joinKey(bucket, base)} (${endpoint})`;
  const requests: RequestCounts = {};

  /** One S3 call, sorted into the store's errors; an outage is waited out for `patienceMs`. */
  async function call<T>(kind: string, what: string, send: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      requests[kind] = (requests[kind] ?? 0) + 1;
      try {
        return await send();
      } catch (error) {
        const sort = kindOf(error);
        const detail = (error as S3Failure)?.name && (error as S3Failure).name !== 'Error' ? `${(error as S3Failure).name}: ${(error as Error).message}` : (error as Error).message;
        if (sort === 'config') {
          throw new RunStoreConfigError(`the run store s3://${bucket} at ${endpoint} refused ${what} (${detail}): check VOLT_RUN_STORE, VOLT_S3_ENDPOINT and the AWS_* credentials`);
        }
        if (sort === 'other') throw error;
        const waited = Date.now() - started;
        if (waited >= opts.patienceMs) {
          throw new RunStoreUnavailableError(`the run store at ${endpoint} cannot be reached (${detail || 'no answer'}): is it running? (VOLT_S3_ENDPOINT)`);
        }
        const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt, opts.patienceMs - waited);
        opts.log?.(`the run store at ${endpoint} does not answer (${detail}); trying ${what} again in ${Math.ceil(delay / 1000)} s`);
        await sleep(delay);
      }
    }
  }

  async function listKeys(prefix: string, delimiter?: string): Promise<{ files: StoredFile[]; prefixes: string[] }> {
    const files: StoredFile[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('LIST', `listing ${prefix}`, async () => {
        const { sdk, client } = await s3();
        return client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
      },
      );
      for (const o of page.Contents ?? []) if (o.Key) files.push({ key: o.Key, bytes: o.Size ?? 0 });
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { files, prefixes };
  }

  async function get(key: string, where: string): Promise<{ text: string; etag: string | undefined }> {
    try {
      return await call('GET', `reading ${where}`, async () => {
        const { sdk, client } = await s3();
        const answer = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        return { text: (await answer.Body?.transformToString('utf8')) ?? '', etag: answer.ETag };
      });
    } catch (error) {
      if (isMissing(error)) throw missingRunFile(where);
      throw error;
    }
  }

  const put = (key: string, where: string, body: string, condition: { IfMatch?: string } = {}) =>
    call('PUT', `writing ${where}`, async () => {
      const { sdk, client } = await s3();
      return client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...condition }));
    });

  async function removeKeys(keys: string[], where: string): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await call('DELETE', `removing ${where}`, async () => {
        const { sdk, client } = await s3();
        return client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      });
    }
  }

  function runFiles(runId: string): RunFiles {
    const root = joinKey(base, validateRunId(runId));
    const objectKey = (key: string) => joinKey(root, key);
    const where = (key: string) => `s3://${joinKey(bucket, objectKey(key))}`;
    const relative = (files: StoredFile[]) => files.map((f) => ({ key: f.key.slice(root.length + 1), bytes: f.bytes }));
    /** The object `key` itself and everything under `key/`. */
    const under = async (key: string) => {
      const { files } = await listKeys(`${objectKey(key)}/`);
      return files;
    };
    const version = async (key: string) => {
      try {
        const answer = await call('HEAD', `looking for ${where(key)}`, async () => {
          const { sdk, client } = await s3();
          return client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        });
        return answer.ETag ?? '';
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    };
    const head = async (key: string) => (await version(key)) !== null;
    return {
      runId,
      location: `s3://${joinKey(bucket, root)}`,
      where,
      version,
      async exists(key) {
        if (await head(key)) return true;
        const { files } = await call('LIST', `listing ${where(key)}`, async () => {
          const { sdk, client } = await s3();
          const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: `${objectKey(key)}/`, MaxKeys: 1 }));
          return { files: page.Contents ?? [] };
        });
        return files.length > 0;
      },
      read: async (key) => (await get(objectKey(key), where(key))).text,
      readJson: async <S extends z.ZodType>(key: string, schema: S) => parseRunFile(where(key), (await get(objectKey(key), where(key))).text, schema),
      async *lines(key) {
        let body: Readable;
        try {
          body = await call('GET', `reading ${where(key)}`, async () => {
            const { sdk, client } = await s3();
            return (await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }))).Body as Readable;
          });
        } catch (error) {
          if (isMissing(error)) throw missingRunFile(where(key));
          throw error;
        }
        yield* createInterface({ input: body, crlfDelay: Infinity });
      },
      write: async (key, content) => {
        await put(objectKey(key), where(key), content);
      },
      writeJson: async (key, data) => {
        await put(objectKey(key), where(key), jsonText(data));
      },
      // In parts of 8 MB, one at a time: memory holds a part, never the file. A stream cannot be
      // replayed, so an outage fails the call and the activity (retried by Temporal) writes it again.
      async writeStream(key, chunks) {
        requests.PUT = (requests.PUT ?? 0) + 1;
        try {
          const { sdk, client } = await s3();
          await new sdk.Upload({ client, params: { Bucket: bucket, Key: objectKey(key), Body: Readable.from(chunks) }, queueSize: 1, partSize: PART_BYTES }).done();
        } catch (error) {
          if (kindOf(error) === 'config') throw new RunStoreConfigError(`the run store s3://${bucket} at ${endpoint} refused writing ${where(key)}: ${(error as Error).message}`);
          if (kindOf(error) === 'unavailable') throw new RunStoreUnavailableError(`the run store at ${endpoint} cannot be reached while writing ${where(key)}: ${(error as Error).message}`);
          throw error;
        }
      },
      list: async (prefix = '') => {
        if (prefix && (await head(prefix))) {
          return relative((await listKeys(objectKey(prefix))).files.filter((f) => f.key === objectKey(prefix)));
        }
        return relative((await listKeys(prefix ? `${objectKey(prefix)}/` : `${root}/`)).files).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      },
      async remove(key) {
        const keys = [objectKey(key), ...(await under(key)).map((f) => f.key)];
        await removeKeys(keys, where(key));
      },
      async move(from, to) {
        const sources = [...((await head(from)) ? [objectKey(from)] : []), ...(await under(from)).map((f) => f.key)];
        for (const source of sources) {
          const target = objectKey(to) + source.slice(objectKey(from).length);
          await call('COPY', `copying ${where(from)}`, async () => {
            const { sdk, client } = await s3();
            return client.send(new sdk.CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: `${bucket}/${source.split('/').map(encodeURIComponent).join('/')}` }));
          },
          );
        }
        await removeKeys(sources, where(from));
      },
      async update<S extends z.ZodType>(key: string, schema: S, change: (value: z.infer<S>) => void) {
        for (let attempt = 1; ; attempt++) {
          const { text, etag } = await get(objectKey(key), where(key));
          const value = parseRunFile(where(key), text, schema);
          change(value);
          try {
            await put(objectKey(key), where(key), jsonText(value), etag ? { IfMatch: etag } : {});
            return value;
          } catch (error) {
            // Another process wrote it since we read it: read its version and apply the change to that.
            if (!isConflict(error) || attempt >= 20) throw error;
            await sleep(Math.random() * 50 * attempt);
          }
        }
      },
    };
  }

  return {
    location,
    kind: 's3',
    requests,
    run: runFiles,
    async runIds() {
      const prefix = base ? `${base}/` : '';
      const { prefixes } = await listKeys(prefix, '/');
      return prefixes.map((p) => p.slice(prefix.length).replace(/\/$/, '')).filter((id) => id && !id.startsWith('.'));
    },
    async check() {
      try {
        await call('HEAD', `access to s3://${bucket}`, async () => {
          const { sdk, client } = await s3();
          return client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
        });
      } catch (error) {
        if (isMissing(error)) throw new RunStoreConfigError(`the run store at ${endpoint} has no bucket "${bucket}": create it, or correct VOLT_RUN_STORE`);
        throw error;
      }
    },
  };
}
