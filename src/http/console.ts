/**
 * Serves the staff console (built by Vite into `config.console.dir`) at `/`
 * and its client routes, same origin as `/graphql`. Hashed assets are
 * cacheable forever; the page itself is never cached. Its Content-Security-
 * Policy allows only this origin (and `blob:` images and objects: attached
 * files shown from memory): no inline script, no third party.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Middleware } from 'koa';
import helmet from 'koa-helmet';
import send from 'koa-send';

const CONSOLE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  // blob: for attached files shown from memory (docs/attachments.md): images inline, a PDF in the browser's viewer.
  imgSrc: ["'self'", 'data:', 'blob:'],
  objectSrc: ['blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The console's security headers (applied instead of the API's `default-src 'none'`). */
export const consoleHeaders = () => helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP } });

/** True for requests the console answers: GET/HEAD outside the API and the probes. */
export const isConsoleRequest = (method: string, path: string) =>
  (method === 'GET' || method === 'HEAD') && path !== '/graphql' && !path.startsWith('/graphql/') && path !== '/healthz' && path !== '/readyz';

/** The console middleware: assets by path, every other route gets index.html (the client router decides, including "not found"). */
export function consoleMiddleware(dir: string): Middleware {
  return pagesMiddleware(dir, { notBuilt: 'The console is not built: run `npm run build:web` (npm start does it).', cacheAssets: true });
}

/**
 * A single-page client served from `dir`: assets by path, every other GET gets index.html. `cacheAssets`: hashed
 * assets cacheable forever (the console); without it every answer is `no-store` (the partner pages).
 */
export function pagesMiddleware(dir: string, opts: { notBuilt: string; cacheAssets: boolean }): Middleware {
  return async (ctx, next) => {
    if (!isConsoleRequest(ctx.method, ctx.path)) return next();
    if (!existsSync(join(dir, 'index.html'))) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = opts.notBuilt;
      return;
    }
    if (ctx.path.startsWith('/assets/')) {
      const sent = await send(ctx, ctx.path, opts.cacheAssets ? { root: dir, immutable: true, maxage: 365 * 24 * 3600_000 } : { root: dir }).catch(() => null);
      if (!sent) {
        ctx.status = 404;
        ctx.type = 'text/plain';
        ctx.body = 'Not found';
      }
      if (!opts.cacheAssets) ctx.set('cache-control', 'no-store');
      return;
    }
    ctx.set('cache-control', 'no-store');
    await send(ctx, 'index.html', { root: dir });
    ctx.set('cache-control', 'no-store');
  };
}
