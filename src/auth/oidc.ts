/**
 * OpenID Connect single sign-on for staff (authorization code + PKCE, with
 * openid-client). `start` keeps the PKCE verifier and nonce server-side in
 * Redis under a random state (10 minutes, single use: read with GETDEL), and
 * the browser holds the state in a SameSite=Lax cookie, so a callback only
 * completes in the browser that began it. `finish` lets openid-client check
 * the state, the issuer (`iss`), the code exchange with the verifier, the ID
 * token's signature (non-repudiation checks: signatures are verified even
 * over TLS), audience, expiry and nonce; then maps the groups claim to roles
 * through the separation-of-duties table, provisions or updates the user
 * (sealed record), and opens a normal console session. Every outcome is
 * audited as `auth.login` with `method: 'oidc'`; the caller learns only
 * "failed" or "unavailable".
 */
import type { Redis } from 'ioredis';
import * as client from 'openid-client';
import type { AuditLog } from '../audit/types.js';
import type { OidcConfig } from '../config.js';
import type { Integrity } from '../crypto/integrity.js';
import { isDuplicateKey } from '../db/errors.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { UserIntegrityAlarm } from './integrity-alarm.js';
import { mapGroups, oidcUserId, oidcUsername } from './oidc-claims.js';
import type { UserRepository } from './repository.js';
import { userSeal, userSealOk } from './seal.js';
import type { Desk, Role, UserDoc } from './types.js';

const STATE_TTL_SECONDS = 600;
const STATE_RE = /^[A-Za-z0-9_-]{20,100}$/;

export interface OidcDeps {
  config: OidcConfig;
  users: UserRepository;
  integrity: Integrity;
  redis: Redis;
  /** Redis key prefix (the queue prefix), so instances sharing a Redis share states and tests stay apart. */
  keyPrefix: string;
  audit: AuditLog;
  log: Logger;
  integrityAlarm: UserIntegrityAlarm;
  /** Opens the same session a password sign-in opens (src/auth/service.ts). */
  startSession(user: UserDoc): Promise<{ token: string; expiresAt: Date }>;
}

/** Why single sign-on did not complete: `unavailable` when the IdP could not be reached, else `failed`. */
export class OidcError extends AppError {
  constructor(readonly kind: 'failed' | 'unavailable') {
    super(kind === 'failed' ? 'UNAUTHENTICATED' : 'SERVICE_UNAVAILABLE', kind === 'failed' ? 'Sign-in failed' : 'Single sign-on is unavailable');
  }
}

export type OidcService = ReturnType<typeof createOidcService>;

/** Builds the single sign-on service; discovery happens on first use and is retried after a failure. */
export function createOidcService(deps: OidcDeps) {
  const { config, users, audit, log } = deps;
  const stateKey = (state: string) => `${deps.keyPrefix}:oidc-state:${state}`;
  let discovered: Promise<client.Configuration> | null = null;
  const loopbackHttp = new URL(config.issuer).protocol === 'http:';

  const configuration = () => {
    discovered ??= client
      .discovery(new URL(config.issuer), config.clientId, undefined, client.ClientSecretBasic(config.clientSecret), {
        timeout: config.timeoutSeconds,
        execute: [client.enableNonRepudiationChecks, ...(loopbackHttp ? [client.allowInsecureRequests] : [])],
      })
      .catch((err: unknown) => {
        discovered = null;
        throw err;
      });
    return discovered;
  };

  const fail = async (reason: string, extra: Record<string, unknown> = {}, actor?: UserDoc): Promise<never> => {
    const kind = reason === 'idp_unavailable' ? 'unavailable' : 'failed';
    await audit.record({
      action: 'auth.login',
      actor: actor ? { type: 'user', id: actor._id, name: actor.username } : { type: 'anonymous' },
      outcome: 'failure',
      details: { method: 'oidc', reason, ...extra },
    });
    throw new OidcError(kind);
  };

  /** The user for these claims, created or brought in line with them; fails closed. */
  async function provision(issuer: string, sub: string, preferred: unknown, roles: Role[], desk: Desk | null) {
    const id = oidcUserId(issuer, sub);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await users.findById(id);
      if (existing) {
        // The SSO link is under the record's MAC; a record whose link is not this identity is not theirs.
        if (!userSealOk(deps.integrity, existing) || existing.oidc?.issuer !== issuer || existing.oidc?.sub !== sub) throw await deps.integrityAlarm(existing);
        if (existing.disabled) return fail('disabled', {}, existing);
        if (sameRoles(existing.roles, roles) && existing.desk === desk) return { user: existing, provisioned: false };
        const mac = userSeal(deps.integrity, { ...existing, roles, desk });
        const updated = await users.updateSealed(id, existing.mac, { roles, desk, mac });
        if (updated) return { user: updated, provisioned: false, changedFrom: { roles: existing.roles, desk: existing.desk } };
        continue; // changed meanwhile (an admin disabled them?): read again
      }
      // A name already held by another account (local or another identity) gets a suffix from this identity's id.
      let username = oidcUsername(preferred, sub);
      if (await users.findByUsername(username)) username = oidcUsername(preferred, sub, id.slice(5, 13));
      const now = new Date();
      // No password (an empty hash verifies nothing), no second factor here (the IdP's), the link: all under the MAC.
      const fields = { _id: id, username, roles, desk, disabled: false, passwordHash: '', secondFactor: null, oidc: { issuer, sub } };
      const user: UserDoc = { ...fields, createdAt: now, updatedAt: now, mac: userSeal(deps.integrity, fields) };
      try {
        await users.insert(user);
        return { user, provisioned: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // The same identity's concurrent first sign-in won (same _id): loop and take it; a username race: fail.
        if (!(await users.findById(id))) return fail('username_taken');
      }
    }
    return fail('concurrent_change');
  }

  return {
    label: config.label,

    /** The IdP's authorization URL for a new sign-in, and the state the browser must carry back. */
    async start(redirectUri: string): Promise<{ url: URL; state: string }> {
      let cfg: client.Configuration;
      try {
        cfg = await configuration();
      } catch (err) {
        // Not audited: nobody attempted to sign in yet; an operator needs to know.
        log.warn({ errName: (err as Error).name, errCode: (err as { code?: string }).code }, 'OIDC discovery failed');
        throw new OidcError('unavailable');
      }
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      await deps.redis.set(stateKey(state), JSON.stringify({ verifier, nonce, redirectUri }), 'EX', STATE_TTL_SECONDS);
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: config.scopes,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { url, state };
    },

    /**
     * Completes a sign-in from the IdP's redirect (`query`: the callback's
     * query string); `browserState`: the state cookie. Returns a session.
     */
    async finish(query: string, browserState: string | undefined) {
      const params = new URLSearchParams(query);
      const state = params.get('state') ?? '';
      const stored = STATE_RE.test(state) ? await deps.redis.getdel(stateKey(state)) : null;
      if (!stored) return fail('state_unknown'); // expired, replayed, or never issued
      if (browserState !== state) return fail('state_mismatch'); // begun in another browser
      const { verifier, nonce, redirectUri } = JSON.parse(stored) as { verifier: string; nonce: string; redirectUri: string };
      const callbackUrl = new URL(redirectUri);
      callbackUrl.search = params.toString();

      let claims: Record<string, unknown>;
      try {
        const cfg = await configuration();
        const tokens = await client.authorizationCodeGrant(cfg, callbackUrl, { expectedState: state, expectedNonce: nonce, pkceCodeVerifier: verifier });
        claims = { ...(tokens.claims() ?? {}) };
        if (claims[config.roleClaim] === undefined) {
          // Many IdPs release groups at the userinfo endpoint only.
          const info = await client.fetchUserInfo(cfg, tokens.access_token, String(claims.sub));
          claims = { ...info, ...claims, [config.roleClaim]: info[config.roleClaim] };
        }
      } catch (err) {
        if (isUnavailable(err)) return fail('idp_unavailable');
        const e = err as { name?: string; code?: string; error?: string };
        return fail('token_rejected', { error: String(e.error ?? e.code ?? e.name).slice(0, 60) });
      }
      const issuer = String(claims.iss);
      const sub = String(claims.sub);
      const mapping = mapGroups(claims[config.roleClaim], config.roleMap);
      if (!mapping.ok) {
        const known = await users.findById(oidcUserId(issuer, sub));
        return fail(mapping.reason, {}, known ?? undefined);
      }
      const result = await provision(issuer, sub, claims.preferred_username, mapping.roles, mapping.desk);
      const session = await deps.startSession(result.user);
      await audit.record({
        action: 'auth.login',
        actor: { type: 'user', id: result.user._id, name: result.user.username },
        outcome: 'success',
        details: {
          method: 'oidc',
          roles: result.user.roles,
          desk: result.user.desk,
          ...(result.provisioned ? { provisioned: true } : {}),
          ...('changedFrom' in result ? { changedFrom: result.changedFrom } : {}),
        },
      });
      return { ...session, user: result.user };
    },
  };
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) => a.length === b.length && a.every((r) => b.includes(r));

/** A network failure or timeout reaching the IdP (as opposed to the IdP or the checks refusing). */
function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string; cause?: { status?: number } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return true;
  if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
  return e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && (e.cause?.status ?? 0) >= 500;
}
