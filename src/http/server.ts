/**
 * Starts the API: builds the schema and yoga, mounts them in Koa, listens.
 * `close()` drains: stops accepting, waits for in-flight requests, then closes.
 * `startPartnerFace` starts the partner face the same way, on its own port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_PARTNER_PORT, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/types.js';
import type { GraphQLServices } from '../graphql/services.js';
import { buildSchema } from '../graphql/schema.js';
import { createGraphQLServer } from '../graphql/yoga.js';
import { oidcRoutes } from '../auth/oidc-routes.js';
import { partnerSchema } from '../graphql/partner-schema.js';
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
  return startFace(deps, 'staff', opts);
}

/**
 * Starts the partner face (`--process=partner`, or beside the API when PARTNER_PORT is set): only the operations
 * src/auth/policy.ts puts on it and the partner pages, on PARTNER_PORT. It is meant to face the internet while the
 * API stays on the police network: no staff operation or type exists in its schema, it keeps no request log line
 * or timing and exports no metrics (src/http/app.ts `face`).
 */
export async function startPartnerFace(deps: ApiDeps, opts: { port?: number; host?: string } = {}): Promise<ApiServer> {
  return startFace(deps, 'partner', opts);
}

async function startFace(deps: ApiDeps, face: 'staff' | 'partner', opts: { port?: number; host?: string }): Promise<ApiServer> {
  const { config, log } = deps;
  const partner = face === 'partner';
  const schema = partner ? partnerSchema(buildSchema()) : buildSchema();
  const yoga = createGraphQLServer({ schema, services: deps.services, config, log, face });
  const app = createHttpApp({
    face,
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
    graphiql: config.graphql.graphiql && !partner,
    consoleDir: partner ? config.partner.dir : config.console.dir,
    metrics: partner ? undefined : deps.metrics,
    metricsToken: partner ? null : config.metrics.token,
    routes: partner ? [] : deps.services.oidc ? [oidcRoutes(deps.services.oidc, { redirectUri: config.oidc?.redirectUri ?? null, production: config.production })] : [],
  }) as HotlineApp;
  // Node checks request/headers timeouts only every connectionsCheckingInterval (default 30 s): check often enough to honour ours.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1_000, config.http.requestTimeoutMs) }, app.callback());
  server.requestTimeout = config.http.requestTimeoutMs;
  server.headersTimeout = Math.min(config.http.requestTimeoutMs, 60_000);
  server.keepAliveTimeout = 5_000;
  const host = opts.host ?? (partner ? config.partner.host : config.http.host);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? (partner ? (config.partner.port ?? DEFAULT_PARTNER_PORT) : config.http.port), host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host, port, ...(partner ? { url: `http://${host}:${port}/` } : {}) }, partner ? 'partner face listening' : 'API listening');
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
      log.info(partner ? 'partner face stopped' : 'API stopped');
    },
  };
}
