/**
 * The partner pages (built by Vite into `config.partner.dir`, from src/partner-web/) as the partner face serves
 * them: same origin as its /graphql, nothing cached (`no-store` on pages and assets alike: a shared computer in a
 * community office keeps nothing), and a policy of their own allowing this origin only: no inline script or
 * style, no third party, no framing, forms posting nowhere else.
 */
import type { Middleware } from 'koa';
import helmet from 'koa-helmet';
import { pagesMiddleware } from './console.js';

const PARTNER_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  // The second-factor enrolment QR code is a data: image the page draws from the server's answer.
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The partner pages' security headers (the API's `default-src 'none'` stays on /graphql). */
export const partnerPageHeaders = () =>
  helmet({ contentSecurityPolicy: { useDefaults: false, directives: PARTNER_CSP }, referrerPolicy: { policy: 'no-referrer' } });

export function partnerPagesMiddleware(dir: string): Middleware {
  return pagesMiddleware(dir, { notBuilt: 'The partner pages are not built: run `npm run build:partner` (npm start does it).', cacheAssets: false });
}
