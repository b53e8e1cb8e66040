/**
 * The Koa application: health probes, security headers, request ids, limits,
 * and graphql-yoga mounted at /graphql. Logs carry method, path, status and
 * timing only: never bodies, variables or credentials.
 */
import { randomUUID } from 'node:crypto';
import Koa, { type Context } from 'koa';
import helmet from 'koa-helmet';
import type { Logger } from '../logger.js';
import type { YogaServerInstance } from 'graphql-yoga';
import { consoleHeaders, consoleMiddleware, isConsoleRequest } from './console.js';
import { httpMetrics, metricsRoute } from '../metrics/http.js';
import type { Metrics } from '../metrics/types.js';

export interface HttpDeps {
  log: Logger;
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
  /** Each check answers true when its dependency is reachable. */
  readiness: Record<string, () => Promise<boolean>>;
  limits: { bodyLimitBytes: number; maxConcurrentRequests: number; requestTimeoutMs: number };
  trustProxy: boolean;
  graphiql: boolean;
  /** Where the built console is (served at `/`). */
  consoleDir: string;
  /** Request counts and durations go here; `/metrics` is served on this port only with `metricsToken`. */
  metrics?: Metrics;
  metricsToken?: string | null;
}

const REQUEST_ID_RE = /^[A-Za-z0-9-]{8,64}$/;

function errorBody(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/** The answer to any path the API does not serve. */
function notFound(ctx: Context) {
  ctx.status = 404;
  ctx.body = errorBody('NOT_FOUND', 'Not found: the API is at /graphql, the console at /');
}

/** Builds the Koa app; no side effects until it is listened on. */
export function createHttpApp(deps: HttpDeps): Koa {
  const app = new Koa({ proxy: deps.trustProxy });
  let inFlight = 0;
  let draining = false;
  // Koa would print these to stderr with their stack; a client hanging up mid-stream (SSE) is routine.
  // Only the error's name and code are logged: its message could quote request data.
  app.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET') return;
    deps.log.warn({ err: err.name, code: err.code }, 'http error');
  });

  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    ctx.state.requestId = REQUEST_ID_RE.test(given) ? given : randomUUID();
    ctx.set('x-request-id', ctx.state.requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      // Partner requests leave no request-time trace finer than the minute (see intake).
      if (!ctx.state.partnerRequest) deps.log.info(
        { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  });
  if (deps.metrics) app.use(httpMetrics(deps.metrics));

  const strict = helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });
  // GraphiQL (development only) is one self-contained page: inline script and blob: workers, no other origin.
  const relaxed = helmet({ contentSecurityPolicy: false });
  const consolePolicy = consoleHeaders();
  app.use((ctx, next) => {
    if (deps.graphiql && ctx.method === 'GET' && ctx.path === '/graphql') return relaxed(ctx, next);
    if (isConsoleRequest(ctx.method, ctx.path)) return consolePolicy(ctx, next);
    return strict(ctx, next);
  });

  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { status: draining ? 'draining' : 'ok' };
      return;
    }
    if (ctx.path === '/readyz') {
      const names = Object.keys(deps.readiness);
      const results = await Promise.all(names.map((n) => deps.readiness[n]!().catch(() => false)));
      const failed = names.filter((_, i) => !results[i]);
      if (draining) failed.push('shutting-down');
      ctx.status = failed.length ? 503 : 200;
      ctx.body = failed.length ? { status: 'unavailable', failed } : { status: 'ready' };
      return;
    }
    await next();
  });

  app.use(metricsRoute({ metrics: deps.metrics, token: deps.metricsToken, notFound }));
  app.use(consoleMiddleware(deps.consoleDir));

  app.use(async (ctx, next) => {
    if (ctx.path !== '/graphql') return notFound(ctx);
    if (ctx.method === 'POST') {
      const length = Number(ctx.get('content-length'));
      if (!ctx.get('content-length') || !Number.isFinite(length)) {
        ctx.status = 411;
        ctx.body = errorBody('BAD_USER_INPUT', 'A Content-Length header is required');
        return;
      }
      if (length > deps.limits.bodyLimitBytes) {
        ctx.status = 413;
        ctx.body = errorBody('BAD_USER_INPUT', `Request body too large (limit ${deps.limits.bodyLimitBytes} bytes)`);
        return;
      }
    }
    if (draining || inFlight >= deps.limits.maxConcurrentRequests) {
      ctx.status = 503;
      ctx.set('retry-after', '1');
      ctx.body = errorBody('SERVICE_UNAVAILABLE', draining ? 'Server is shutting down; retry' : 'Server is busy; retry shortly');
      return;
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  });

  app.use(async (ctx) => {
    const response = await deps.yoga.handleNodeRequestAndResponse(ctx.req, ctx.res, { koa: ctx });
    response.headers.forEach((value, key) => {
      if (key !== 'content-length') ctx.set(key, value);
    });
    // A stream's errors after the response (a client hanging up) are ours to absorb: graphql-yoga 5.24's SSE
    // stream throws from its cancel when destroyed before its first read (a client that left while the
    // subscription was being set up), and unhandled that is an uncaught exception (tests/integration/sse-hangup.test.ts).
    const stream = response.body as unknown as { on?: (event: 'error', fn: (err: Error) => void) => void } | null;
    stream?.on?.('error', (err) => deps.log.debug({ errName: err.name }, 'response stream ended with an error'));
    // Body first: Koa turns a null body into 204, which would hide yoga's bodiless answers (415).
    ctx.body = response.body;
    ctx.status = response.status;
    // Answers carry report content: no browser or proxy may keep them.
    ctx.set('cache-control', 'no-store');
  });

  Object.assign(app, {
    startDraining: () => {
      draining = true;
    },
    inFlight: () => inFlight,
  });
  return app;
}

export type HotlineApp = Koa & { startDraining(): void; inFlight(): number };
