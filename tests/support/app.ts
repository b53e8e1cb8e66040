/**
 * Boots the real application (API, optionally the worker and the partner face) against the
 * throwaway FerretDB and Redis of this test run, in a database and queue
 * prefix of its own, on an ephemeral port.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandStartedEvent } from 'mongodb';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { startApi, startPartnerFace, type ApiServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { startWorker, type Worker } from '../../src/worker.js';

export const key = () => randomBytes(32).toString('base64');

export interface TestApp {
  url: string;
  deps: Deps;
  config: Config;
  api: ApiServer;
  worker: Worker | null;
  env: Record<string, string>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GqlResult<T>>;
  /** The partner face (`bootApp({ partner: true })`): its /graphql URL, and the same request helper against it. */
  partner: { url: string; face: ApiServer; gql: TestApp['gql'] } | null;
  close(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  data: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

/** Environment for a fresh, isolated instance (own database, queue prefix, keys). */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const id = randomUUID().slice(0, 8);
  return {
    NODE_ENV: 'test',
    MONGODB_URI: inject('mongoUri'),
    REDIS_URL: inject('redisUrl'),
    MONGODB_DB: `t_${id}`,
    QUEUE_PREFIX: `t${id}`,
    HOTLINE_MASTER_KEY: key(),
    HOTLINE_INDEX_KEY: key(),
    HOTLINE_AUDIT_KEY: key(),
    // Each instance anchors its audit chain in a directory of its own (created on first use).
    HOTLINE_AUDIT_ANCHOR_DIR: join(tmpdir(), `hotline-anchors-${id}`),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    // Tests wait for partner referrals to be routed: no hold (tests/integration/adversary/partner-metadata.test.ts tests the default).
    PARTNER_TRIAGE_HOLD_SECONDS: '0',
    // Nor for partner audit entries to wait for their minute (tests/integration/adversary/partner-times.test.ts tests the default).
    PARTNER_AUDIT_HOLD: 'off',
    ...(process.env.CONSOLE_DIR ? { CONSOLE_DIR: process.env.CONSOLE_DIR } : {}),
    ...overrides,
  };
}

export async function bootApp(opts: { env?: Record<string, string>; worker?: boolean; partner?: boolean; logDestination?: { write(line: string): void } } = {}): Promise<TestApp> {
  const env = testEnv(opts.env);
  const config = loadConfig(env);
  const deps = await createDeps(config, createLogger(config.logLevel, opts.logDestination));
  const api = await startApi(deps, { port: 0, host: '127.0.0.1' });
  const face = opts.partner ? await startPartnerFace(deps, { port: 0, host: '127.0.0.1' }) : null;
  const worker = opts.worker ? await startWorker(deps) : null;
  const gql: TestApp['gql'] = (query, variables, token, headers = {}) => gqlAt(api.url, query, variables, token, headers);
  return {
    url: api.url,
    deps,
    config,
    api,
    worker,
    env,
    gql,
    partner: face ? { url: face.url, face, gql: (query, variables, token, headers = {}) => gqlAt(face.url, query, variables, token, headers) } : null,
    async close() {
      await api.close(2_000);
      await face?.close(2_000);
      await worker?.close();
      await deps.database.db.dropDatabase().catch(() => {});
      await deps.close();
    },
  };
}

/** One GraphQL request to `url`, its body parsed whatever the status. */
async function gqlAt(url: string, query: string, variables?: Record<string, unknown>, token?: string, headers: Record<string, string> = {}): Promise<GqlResult<any>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = { data: null, errors: [{ message: text }] };
  }
  return { status: res.status, data: body.data ?? null, errors: body.errors };
}

/**
 * `bootApp` with the driver's command monitoring on (switched on through the connection string), `onCommand` called
 * for every command the app starts on its own database: for the tests that count store commands (without it, the test
 * listens on `deps.database.client` itself, for a window of its own). `opts.env` may name the connection string (a
 * second process on another's database); otherwise this run's.
 */
export async function bootMonitored(onCommand?: (e: CommandStartedEvent) => void, opts: Parameters<typeof bootApp>[0] = {}): Promise<TestApp> {
  const uri = opts.env?.MONGODB_URI ?? inject('mongoUri');
  const app = await bootApp({ ...opts, env: { ...opts.env, MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true` } });
  const dbName = app.deps.database.db.databaseName;
  if (onCommand) {
    app.deps.database.client.on('commandStarted', (e: CommandStartedEvent) => {
      if (e.databaseName === dbName) onCommand(e);
    });
  }
  return app;
}

/** A started command as `<command> <collection>` ("find reports"). */
export const commandOf = (e: CommandStartedEvent) => `${e.commandName} ${String(e.command[e.commandName])}`;
