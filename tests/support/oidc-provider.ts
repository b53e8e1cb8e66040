/**
 * A real OpenID Provider (panva's oidc-provider) on 127.0.0.1 for the single
 * sign-on tests, never a mock of the protocol. Its accounts are set by the
 * test (`setAccount`), their `groups` claim released under the `groups`
 * scope; sign-in goes through the provider's own development interaction
 * pages, driven by `browser()` (fetch, manual redirects, one cookie jar per
 * browser) or by Playwright in the e2e test.
 *
 * The port is taken before the app boots (the app's OIDC_ISSUER must name
 * it); the provider itself is built once the app's callback URL is known.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  username: string;
  groups: string[];
}

export const OIDC_CLIENT = { id: 'hotline-console', secret: 'hotline-console-secret-for-tests-only' };
/** A second client of the same provider: its codes must not sign anyone in to ours. */
export const OTHER_CLIENT = { id: 'another-app', secret: 'another-app-secret-for-tests-only' };

export interface TestIdp {
  issuer: string;
  /** Builds the provider for the app's callback URL (call once the app is up). */
  configure(redirectUri: string): void;
  setAccount(id: string, account: TestAccount): void;
  close(): Promise<void>;
}

/** Listens on a free 127.0.0.1 port; requests before `configure` answer 503. */
export async function startTestIdp(): Promise<TestIdp> {
  const accounts = new Map<string, TestAccount>();
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  return {
    issuer,
    configure(redirectUri) {
      const client = (c: { id: string; secret: string }) => ({
        client_id: c.id,
        client_secret: c.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const provider = new Provider(issuer, {
        clients: [client(OIDC_CLIENT), client(OTHER_CLIENT)],
        jwks: { keys: [{ ...signingKey, kid: 'test-signing', use: 'sig', alg: 'RS256' }] },
        cookies: { keys: ['oidc-test-cookie-key'] },
        scopes: ['openid', 'profile', 'groups'],
        claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
        features: { devInteractions: { enabled: true } },
        pkce: { required: () => true },
        async findAccount(_ctx: unknown, id: string) {
          const account = accounts.get(id);
          if (!account) return undefined;
          return { accountId: id, claims: async () => ({ sub: id, preferred_username: account.username, groups: accounts.get(id)!.groups }) };
        },
        // First-party client: consent is implied (the documented recipe), so the test signs in with one form.
        async loadExistingGrant(ctx: any) {
          const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
          if (grantId) return ctx.oidc.provider.Grant.find(grantId);
          const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
          grant.addOIDCScope('openid profile groups');
          await grant.save();
          return grant;
        },
      });
      handler = provider.callback();
    },
    setAccount: (id, account) => void accounts.set(id, account),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (for "the IdP is down"). */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A browser without JavaScript: follows redirects by hand and keeps cookies per host:port. */
export function browser() {
  const jar = new Map<string, Map<string, string>>();
  const cookiesFor = (url: URL) => jar.get(url.host) ?? jar.set(url.host, new Map()).get(url.host)!;
  async function request(href: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const url = new URL(href);
    const cookies = cookiesFor(url);
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = res.headers.get('location');
    return { res, status: res.status, location: location ? new URL(location, url).href : null, body: await res.text() };
  }
  return {
    request,
    cookie: (href: string, name: string) => cookiesFor(new URL(href)).get(name),
    setCookie: (href: string, name: string, value: string) => void cookiesFor(new URL(href)).set(name, value),
    /**
     * From the IdP's authorization URL to the redirect back to the app:
     * signs in as `accountId` on the provider's own login form. Returns the
     * callback URL (with code, state and iss), not yet visited.
     */
    async signInAtIdp(authorizationUrl: string, accountId: string): Promise<string> {
      const idpHost = new URL(authorizationUrl).host;
      let next: string | null = authorizationUrl;
      for (let hops = 0; next && hops < 10; hops++) {
        if (new URL(next).host !== idpHost) return next;
        const r = await request(next);
        if (r.status === 200 && /name="prompt" value="login"/.test(r.body)) {
          const action = /action="([^"]+)"/.exec(r.body)![1]!;
          next = (await request(new URL(action, next).href, { method: 'POST', form: { prompt: 'login', login: accountId, password: 'any' } })).location;
          continue;
        }
        if (!r.location) throw new Error(`the IdP answered ${r.status} at ${new URL(next).pathname}: ${r.body.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(-300)}`);
        next = r.location;
      }
      throw new Error('the IdP did not send the browser back');
    },
  };
}
