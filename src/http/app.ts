/**
 * The Koa application: health probes, security headers, request ids, limits,
 * and graphql-yoga mounted at /graphql. Logs carry method, path, status and
 * timing only: never bodies, variables or credentials.
 */
import { randomUUID } from 'node:crypto';
import Koa, { type Context } from 'koa';
import helmet from 'koa-helmet';
import { PARTNER_KEY_PREFIX, PARTNER_SESSION_PREFIX } from '../auth/secrets.js';
import { PARTNER_COOKIE } from '../graphql/yoga.js';
import type { Logger } from '../logger.js';
import type { YogaServerInstance } from 'graphql-yoga';
import { consoleHeaders, consoleMiddleware, isConsoleRequest } from './console.js';
import { partnerPageHeaders, partnerPagesMiddleware } from './partner-pages.js';
import { httpMetrics, metricsRoute } from '../metrics/http.js';
import type { Metrics } from '../metrics/types.js';

export interface HttpDeps {
  log: Logger;
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
  /** Each check answers true when its dependency is reachable; false, or why not (shown: no paths or secrets), when not. */
  readiness: Record<string, () => Promise<boolean | string>>;
  /** `uploadLimitBytes`: the cap of a multipart request (a file upload, docs/attachments.md); others are capped at `bodyLimitBytes`. */
  limits: { bodyLimitBytes: number; uploadLimitBytes?: number; maxConcurrentRequests: number; requestTimeoutMs: number };
  /** Reverse proxies in front (0: none): only that many X-Forwarded-For entries, from the right, are believed. */
  trustProxyHops: number;
  graphiql: boolean;
  /** Where the built console is (served at `/`). */
  consoleDir: string;
  /** Request counts and durations go here; `/metrics` is served on this port only with `metricsToken`. */
  metrics?: Metrics;
  metricsToken?: string | null;
  /** Browser routes served before the console (single sign-on's /auth/oidc/*). */
  routes?: Koa.Middleware[];
  /**
   * The partner face (src/http/server.ts `startPartnerFace`): the partner pages instead of the console, under their own
   * policy; no request leaves a log line; `Cache-Control: no-store` on every answer, pages and assets too.
   */
  face?: 'staff' | 'partner';
}

const REQUEST_ID_RE = /^[A-Za-z0-9-]{8,64}$/;

/** A request carrying a partner credential (an API key `Bearer hlp_…`, a portal session `hlc_…`), whether or not it is valid. */
const isPartnerCredential = (authorization: string) =>
  /^bearer\s+/i.test(authorization) && [PARTNER_KEY_PREFIX, PARTNER_SESSION_PREFIX].some((prefix) => authorization.replace(/^bearer\s+/i, '').startsWith(prefix));

function errorBody(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/** The answer to any path the API does not serve. */
function notFound(ctx: Context) {
  ctx.status = 404;
  ctx.body = errorBody('NOT_FOUND', 'Not found: the API is at /graphql, the console at /');
}

/** The partner face's answer to any path it does not serve: it names nothing of the staff side. */
function partnerNotFound(ctx: Context) {
  ctx.status = 404;
  ctx.body = errorBody('NOT_FOUND', 'Not found');
}

/**
 * Reads a request body whole (at most `limit` bytes); null when the client
 * went away or was cut off by the server's request timeout before it finished.
 */
async function readBody(req: NodeJS.ReadableStream, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limit) return null;
      chunks.push(buf);
    }
  } catch {
    return null;
  }
  return Buffer.concat(chunks);
}

/** Builds the Koa app; no side effects until it is listened on. */
export function createHttpApp(deps: HttpDeps): Koa {
  // With N proxies in front, the client is the N-th X-Forwarded-For entry from the right: what the outermost proxy saw.
  // Entries to its left were written by the client itself and may be anything.
  const app = new Koa({ proxy: deps.trustProxyHops > 0, maxIpsCount: deps.trustProxyHops });
  const partnerFace = deps.face === 'partner';
  // Requests holding a slot (open subscription streams included), and of those the streams.
  let inFlight = 0;
  let streams = 0;
  let draining = false;
  // Koa would print these to stderr with their stack; a client hanging up mid-stream (SSE) is routine.
  // Only the error's name and code are logged: its message could quote request data.
  app.on('error', (err: Error & { code?: string }, ctx?: Context) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET') return;
    if (ctx?.state.partnerRequest) return; // partner requests leave no log line
    deps.log.warn({ err: err.name, code: err.code }, 'http error');
  });

  app.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    ctx.state.requestId = REQUEST_ID_RE.test(given) ? given : randomUUID();
    ctx.set('x-request-id', ctx.state.requestId);
    // Recognised before anything is parsed, so a partner request that fails (bad JSON, too large) is not logged either.
    // A partner portal cookie counts too (on a host where the console also runs, its requests are then not logged
    // either); on the partner face every request is a partner's.
    if (partnerFace || isPartnerCredential(ctx.get('authorization')) || ctx.cookies.get(PARTNER_COOKIE)) ctx.state.partnerRequest = true;
    const started = performance.now();
    try {
      await next();
    } finally {
      // Partner requests leave no request-time trace at all (the README: nothing finer than the minute).
      if (!ctx.state.partnerRequest) deps.log.info(
        { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  });
  if (deps.metrics && !partnerFace) app.use(httpMetrics(deps.metrics));
  if (partnerFace) {
    // Nothing the partner face answers may be kept by a browser or a proxy: pages, assets, errors, probes.
    app.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        ctx.set('cache-control', 'no-store');
      }
    });
  }

  const strict = helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });
  // GraphiQL (development only) is one self-contained page: inline script and blob: workers, no other origin.
  const relaxed = helmet({ contentSecurityPolicy: false });
  const consolePolicy = partnerFace ? partnerPageHeaders() : consoleHeaders();
  app.use((ctx, next) => {
    if (deps.graphiql && !partnerFace && ctx.method === 'GET' && ctx.path === '/graphql') return relaxed(ctx, next);
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
      const failed = names.filter((_, i) => results[i] !== true);
      // A check may answer why it failed, in words safe to show (no paths, no secrets).
      const reasons = Object.fromEntries(names.flatMap((n, i) => (typeof results[i] === 'string' ? [[n, results[i]]] : [])));
      if (draining) failed.push('shutting-down');
      ctx.status = failed.length ? 503 : 200;
      ctx.body = failed.length ? { status: 'unavailable', failed, ...(Object.keys(reasons).length ? { reasons } : {}) } : { status: 'ready' };
      return;
    }
    await next();
  });

  for (const route of deps.routes ?? []) app.use(route);
  if (!partnerFace) app.use(metricsRoute({ metrics: deps.metrics, token: deps.metricsToken, notFound }));
  app.use(partnerFace ? partnerPagesMiddleware(deps.consoleDir) : consoleMiddleware(deps.consoleDir));

  app.use(async (ctx, next) => {
    if (ctx.path !== '/graphql') return partnerFace ? partnerNotFound(ctx) : notFound(ctx);
    // The request's deadline (REQUEST_TIMEOUT_MS) counts from here; the GraphQL context turns it into an AbortSignal.
    ctx.state.receivedAt = Date.now();
    // A file upload (GraphQL multipart request) has its own cap: the largest file plus room for the operation and part headers.
    const limit = ctx.method === 'POST' && /^multipart\/form-data/i.test(ctx.get('content-type')) ? (deps.limits.uploadLimitBytes ?? deps.limits.bodyLimitBytes) : deps.limits.bodyLimitBytes;
    if (ctx.method === 'POST') {
      const length = Number(ctx.get('content-length'));
      if (!ctx.get('content-length') || !Number.isFinite(length)) {
        ctx.status = 411;
        ctx.body = errorBody('BAD_USER_INPUT', 'A Content-Length header is required');
        return;
      }
      if (length > limit) {
        ctx.status = 413;
        ctx.body = errorBody('BAD_USER_INPUT', `Request body too large (limit ${limit} bytes)`);
        return;
      }
    }
    // The body is read before a slot is taken (B6): a client trickling its body holds a connection, not a slot;
    // Node ends it REQUEST_TIMEOUT_MS after it began (server.requestTimeout, with a 408).
    if (ctx.method === 'POST') {
      const body = await readBody(ctx.req, limit);
      if (!body) {
        ctx.respond = false;
        return;
      }
      ctx.state.body = body;
    }
    // A client that left while its body was read (or while waiting) is not served (B2).
    if (ctx.res.destroyed || ctx.req.socket.destroyed) {
      ctx.respond = false;
      return;
    }
    if (draining || inFlight >= deps.limits.maxConcurrentRequests) {
      ctx.status = 503;
      ctx.set('retry-after', '1');
      ctx.body = errorBody('SERVICE_UNAVAILABLE', draining ? 'Server is shutting down; retry' : 'Server is busy; retry shortly');
      return;
    }
    // The slot is held until the response is over, not until the handler returns: a subscription stream holds
    // one for as long as it is open, and a large answer until it is sent.
    inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      ctx.state.slotReleased = true;
      inFlight--;
      if (ctx.state.stream) streams--;
    };
    ctx.res.once('close', release);
    ctx.res.once('finish', release);
    try {
      await next();
    } catch (err) {
      release();
      throw err;
    }
  });

  app.use(async (ctx) => {
    const request = { req: ctx.req, method: ctx.method, url: ctx.req.url, headers: ctx.req.headers, body: ctx.state.body as Buffer | undefined };
    const response = await deps.yoga.handleNodeRequestAndResponse(request, ctx.res, { koa: ctx });
    if (!ctx.state.slotReleased && /^(text\/event-stream|multipart\/mixed)/.test(response.headers.get('content-type') ?? '')) {
      ctx.state.stream = true;
      streams++;
    }
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
    // What a drain waits for: requests, not open streams (those end when the connections are closed).
    inFlight: () => inFlight - streams,
  });
  return app;
}

export type HotlineApp = Koa & { startDraining(): void; inFlight(): number };
