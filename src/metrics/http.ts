/**
 * HTTP side of metrics: a Koa middleware counting and timing every request
 * by operation, and the guarded `/metrics` route of the main port.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { isConsoleRequest } from '../http/console.js';
import { INVALID_OPERATION, OPERATION_STATE_KEY, PARTNER_OPERATION } from './operation.js';
import type { Metrics } from './types.js';

export const METRICS_PATH = '/metrics';

/** The bounded route label of a request outside GraphQL. */
function routeLabel(method: string, path: string): string {
  if (path === '/healthz' || path === '/readyz' || path === METRICS_PATH) return path;
  return isConsoleRequest(method, path) ? 'console' : 'other';
}

/**
 * Counts and times every request: GraphQL by the root field the yoga plugin
 * left on the state (`invalid` when no document ran), the rest by route.
 * The duration is to the response headers (for a subscription, its set-up).
 * Partner requests are not recorded at all (trust review 2, item 7): those
 * carrying a partner key (`state.partnerRequest`, set before anything is
 * parsed, as for the request log) and any document selecting a partner
 * operation (auth/policy.ts). A counter's increments, scraped every few
 * seconds, would time a partner's request far below the minute.
 */
export function httpMetrics(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let status: number | undefined;
    try {
      await next();
    } catch (err) {
      status = (err as { status?: number }).status ?? 500;
      throw err;
    } finally {
      const operation = ctx.path === '/graphql' ? ((ctx.state[OPERATION_STATE_KEY] as string | undefined) ?? INVALID_OPERATION) : routeLabel(ctx.method, ctx.path);
      if (ctx.state.partnerRequest || operation === PARTNER_OPERATION) return;
      metrics.httpRequest(operation, status ?? ctx.status, (performance.now() - started) / 1000);
    }
  };
}

/** True when the Authorization header carries `Bearer <token>`; compared in constant time (over digests, so lengths never leak). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** Writes the exposition into a Koa response. */
async function sendMetrics(ctx: Context, metrics: Metrics) {
  ctx.set('cache-control', 'no-store');
  ctx.type = metrics.contentType;
  ctx.body = await metrics.render();
}

/**
 * `/metrics` on the main port: served only with METRICS_TOKEN set and the
 * right bearer token. Otherwise it answers as any unknown path does
 * (`notFound`), so a caller without the token cannot tell whether metrics
 * are enabled. Other paths pass through.
 */
export function metricsRoute(opts: { metrics?: Metrics; token?: string | null; notFound(ctx: Context): void }): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== METRICS_PATH) return next();
    const allowed = !!opts.metrics && !!opts.token && (ctx.method === 'GET' || ctx.method === 'HEAD') && bearerMatches(ctx.get('authorization'), opts.token);
    if (!allowed) return opts.notFound(ctx);
    await sendMetrics(ctx, opts.metrics!);
  };
}
