/**
 * Starts the API: builds the schema and yoga, mounts them in Koa, listens.
 * `close()` drains: stops accepting, waits for in-flight requests, then closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/types.js';
import type { GraphQLServices } from '../graphql/services.js';
import { buildSchema } from '../graphql/schema.js';
import { createGraphQLServer } from '../graphql/yoga.js';
import { oidcRoutes } from '../auth/oidc-routes.js';
import { createHttpApp, type HotlineApp } from './app.js';

export interface ApiServer {
  url: string;
  port: number;
  close(graceMs?: number): Promise<void>;
}

/** What the API is started from: the wiring (src/deps.ts) satisfies it, and the API knows nothing else of it. */
export interface ApiDeps {
  config: Config;
  log: Logger;
  services: GraphQLServices;
  metrics: Metrics;
  database: { ping(): Promise<string | boolean> };
  queues: { ping(): Promise<string | boolean> };
}

export async function startApi(deps: ApiDeps, opts: { port?: number; host?: string } = {}): Promise<ApiServer> {
  const { config, log } = deps;
  const schema = buildSchema();
  const yoga = createGraphQLServer({ schema, services: deps.services, config, log });
  const app = createHttpApp({
    log,
    yoga,
    readiness: { mongodb: () => deps.database.ping(), redis: () => deps.queues.ping(), 'audit-anchors': () => deps.services.audit.anchorsReady() },
    limits: {
      bodyLimitBytes: config.http.bodyLimitBytes,
      uploadLimitBytes: Math.max(config.http.bodyLimitBytes, config.attachments.maxBytes + 64 * 1024),
      maxConcurrentRequests: config.http.maxConcurrentRequests,
      requestTimeoutMs: config.http.requestTimeoutMs,
    },
    trustProxyHops: config.http.trustProxyHops,
    graphiql: config.graphql.graphiql,
    consoleDir: config.console.dir,
    metrics: deps.metrics,
    metricsToken: config.metrics.token,
    routes: deps.services.oidc ? [oidcRoutes(deps.services.oidc, { redirectUri: config.oidc?.redirectUri ?? null, production: config.production })] : [],
  }) as HotlineApp;
  // Node checks request/headers timeouts only every connectionsCheckingInterval (default 30 s): check often enough to honour ours.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1_000, config.http.requestTimeoutMs) }, app.callback());
  server.requestTimeout = config.http.requestTimeoutMs;
  server.headersTimeout = Math.min(config.http.requestTimeoutMs, 60_000);
  server.keepAliveTimeout = 5_000;
  const host = opts.host ?? config.http.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.http.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host, port }, 'API listening');
  return {
    port,
    url: `http://${host}:${port}/graphql`,
    async close(graceMs = 10_000) {
      app.startDraining();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (app.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      log.info('API stopped');
    },
  };
}
