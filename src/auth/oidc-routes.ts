/**
 * The two browser routes of single sign-on. Thin: they move the browser
 * between the console, the IdP and back, and hand the work to the OIDC
 * service. A failure comes back to the console's sign-in page as
 * `/?sso_error=UNAUTHENTICATED` (nothing about which check failed) or
 * `/?sso_error=SERVICE_UNAVAILABLE` (the IdP cannot be reached: use a local
 * account); the page words both.
 */
import type { Context, Middleware } from 'koa';
import { secureCookies, sessionCookieOf } from '../graphql/yoga.js';
import { AppError } from '../errors.js';
import type { OidcService } from './oidc.js';

export const OIDC_START_PATH = '/auth/oidc/start';
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';
/** Holds the sign-in's state between /start and /callback: Lax, so the IdP's top-level redirect back carries it. */
export const OIDC_STATE_COOKIE = 'hotline_oidc_state';

/** Koa middleware serving /auth/oidc/start and /auth/oidc/callback; other paths pass through. */
export function oidcRoutes(oidc: OidcService, opts: { redirectUri: string | null; production: boolean }): Middleware {
  const stateCookie = (ctx: Context) => ({ httpOnly: true, sameSite: 'lax' as const, secure: secureCookies(ctx, opts.production), path: '/auth/oidc', overwrite: true });
  const backToSignIn = (ctx: Context, code: string) => ctx.redirect(`/?sso_error=${code}`);

  return async (ctx, next) => {
    if (ctx.path !== OIDC_START_PATH && ctx.path !== OIDC_CALLBACK_PATH) return next();
    ctx.set('cache-control', 'no-store');
    if (ctx.method !== 'GET') {
      ctx.status = 405;
      return;
    }
    ctx.status = 303;
    try {
      if (ctx.path === OIDC_START_PATH) {
        const { url, state } = await oidc.start(opts.redirectUri ?? `${ctx.protocol}://${ctx.host}${OIDC_CALLBACK_PATH}`);
        ctx.cookies.set(OIDC_STATE_COOKIE, state, { ...stateCookie(ctx), maxAge: 10 * 60_000 });
        ctx.redirect(url.href);
        return;
      }
      const browserState = ctx.cookies.get(OIDC_STATE_COOKIE);
      ctx.cookies.set(OIDC_STATE_COOKIE, '', { ...stateCookie(ctx), expires: new Date(0) });
      const { token, expiresAt } = await oidc.finish(ctx.querystring, browserState);
      sessionCookieOf(ctx, opts.production).set(token, expiresAt);
      ctx.redirect('/');
    } catch (err) {
      // OidcError: UNAUTHENTICATED or SERVICE_UNAVAILABLE; DATA_INTEGRITY: a tampered account record (already alarmed).
      if (!(err instanceof AppError)) throw err;
      backToSignIn(ctx, err.code);
    }
  };
}
