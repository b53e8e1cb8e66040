/** The IdP-claims rules: the role map's two forms, group-to-role mapping through the separation table, usernames. */
import { describe, expect, it } from 'vitest';
import { mapGroups, oidcUserId, oidcUsername, parseRoleMap } from '../../src/auth/oidc-claims.js';
import { USERNAME_RE } from '../../src/auth/service.js';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('OIDC claims', () => {
  const map = parseRoleMap('so12=INVESTIGATOR:SO12, so13=INVESTIGATOR:SO13, sup=SUPERVISOR, calls=CALL_HANDLER, audit=AUDITOR');

  it('reads both forms of OIDC_ROLE_MAP and refuses ADMIN, unknown roles and desks', () => {
    expect(parseRoleMap('{"cn=sup,ou=groups": ["SUPERVISOR", "INVESTIGATOR:SO13"]}')).toEqual([
      { group: 'cn=sup,ou=groups', role: 'SUPERVISOR', desk: null },
      { group: 'cn=sup,ou=groups', role: 'INVESTIGATOR', desk: 'SO13' },
    ]);
    expect(() => parseRoleMap('admins=ADMIN')).toThrow(/ADMIN stays local/);
    expect(() => parseRoleMap('x=WIZARD')).toThrow();
    expect(() => parseRoleMap('x=INVESTIGATOR:SO99')).toThrow(/desk/);
    expect(() => parseRoleMap('nonsense')).toThrow();
  });

  it('maps groups to roles and one desk, and refuses what the rules forbid', () => {
    expect(mapGroups(['so12', 'other'], map)).toEqual({ ok: true, roles: ['INVESTIGATOR'], desk: 'SO12' });
    expect(mapGroups('sup', map)).toEqual({ ok: true, roles: ['SUPERVISOR'], desk: null });
    expect(mapGroups(['other'], map)).toEqual({ ok: false, reason: 'no_role' });
    expect(mapGroups(undefined, map)).toEqual({ ok: false, reason: 'no_role' });
    expect(mapGroups(['so12', 'so13'], map)).toEqual({ ok: false, reason: 'desk_conflict' });
    expect(mapGroups(['audit', 'calls'], map)).toEqual({ ok: false, reason: 'separation' });
    expect(mapGroups(['so12'], parseRoleMap('so12=INVESTIGATOR'))).toEqual({ ok: false, reason: 'no_desk' });
  });

  it('derives valid, namespaced usernames and a stable id per (issuer, sub)', () => {
    for (const name of ['Alice.Smith@force.example', '  ', '__x', 'ü'.repeat(80), 'a'.repeat(200)]) {
      const u = oidcUsername(name, 'sub-1');
      expect(u).toMatch(USERNAME_RE);
      expect(u.startsWith('sso.')).toBe(true);
      expect(oidcUsername(name, 'sub-1', 'abcd1234')).toMatch(USERNAME_RE);
    }
    expect(oidcUserId('https://idp', 'a')).toBe(oidcUserId('https://idp', 'a'));
    expect(oidcUserId('https://idp', 'a')).not.toBe(oidcUserId('https://other', 'a'));
  });

  it('is off without OIDC_ISSUER, and names every missing or bad setting when on', () => {
    const k = (n: number) => Buffer.alloc(32, n).toString('base64');
    const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/', REDIS_URL: 'redis://127.0.0.1:2', HOTLINE_MASTER_KEY: k(1), HOTLINE_INDEX_KEY: k(2), HOTLINE_AUDIT_KEY: k(3) };
    expect(loadConfig(base).oidc).toBeNull();
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ OIDC_ISSUER: 'https://idp.example' })).toEqual([
      'OIDC_CLIENT_ID is required when OIDC_ISSUER is set',
      'OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set',
      'OIDC_ROLE_MAP is required when OIDC_ISSUER is set',
    ]);
    const full = { OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_ROLE_MAP: 'g=AUDITOR' };
    expect(problems({ ...full, OIDC_ISSUER: 'http://idp.example' })[0]).toMatch(/https/);
    expect(problems({ ...full, OIDC_ISSUER: 'https://idp.example', OIDC_ROLE_MAP: 'g=ADMIN' })[0]).toMatch(/^OIDC_ROLE_MAP .*ADMIN stays local/);
    expect(loadConfig({ ...base, ...full, OIDC_ISSUER: 'https://idp.example', OIDC_SCOPES: 'profile groups' }).oidc).toMatchObject({ scopes: 'openid profile groups', roleClaim: 'groups', redirectUri: null });
  });
});
