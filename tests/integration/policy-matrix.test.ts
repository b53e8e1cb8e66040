/**
 * The role × operation matrix: every root field of the schema is run, over
 * HTTP against the running server, as every role, as a partner and
 * anonymously, and must be allowed or denied exactly as src/auth/policy.ts
 * says. A root field without a policy entry fails the first test.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  isInterfaceType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, POLICY, type Operation } from '../../src/auth/policy.js';
import type { Principal, Role } from '../../src/auth/types.js';
import { ROLES } from '../../src/auth/types.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createPartnerAccount, createStaff, PASSWORD } from '../support/factories.js';

const schema = buildSchema();
const ENDS_SESSION = ['partnerSignOut', 'logout'];
type Kind = 'query' | 'mutation' | 'subscription';
const roots: [Kind, ReturnType<typeof schema.getQueryType>][] = [
  ['query', schema.getQueryType()],
  ['mutation', schema.getMutationType()],
  ['subscription', schema.getSubscriptionType()],
];
const operations = roots
  .flatMap(([kind, type]) => Object.values(type?.getFields() ?? {}).map((field) => ({ kind, field: field as GraphQLField<unknown, unknown> })))
  // partnerSignOut and logout end the sessions the other probes use: run them last, in that order.
  .sort((a, b) => ENDS_SESSION.indexOf(a.field.name) - ENDS_SESSION.indexOf(b.field.name));

/** A syntactically valid literal for an input type (values are nonsense on purpose). */
function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return '1';
      case 'Float':
        return '1.5';
      case 'Boolean':
        return 'false';
      case 'DateTime':
        return JSON.stringify(new Date().toISOString());
      case 'ID':
        return '"00000000-0000-4000-8000-000000000000"';
      default:
        return '"matrix-probe-value"';
    }
  }
  throw new Error(`no literal for ${String(type)}`);
}

function selection(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (isObjectType(named) || isInterfaceType(named)) return '{ __typename }';
  if (isUnionType(named)) return '{ __typename }';
  return '';
}

function documentFor(kind: Kind, field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type));
  const argText = args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type)}`).join(', ')})` : '';
  return `${kind} Probe { ${field.name}${argText} ${selection(field.type)} }`;
}

let app: TestApp;
/** `signInAgain`: a new session after partnerSignOut ended the partner accounts' ones (logout then probes them too). */
const principals: { name: string; token: string | undefined; principal: Principal | null; signInAgain?: () => Promise<string> }[] = [];

beforeAll(async () => {
  app = await bootApp();
  principals.push({ name: 'anonymous', token: undefined, principal: null });
  const partner = await createPartner(app);
  principals.push({ name: 'partner', token: partner.apiKey, principal: { kind: 'partner', partnerId: partner.partner.id, name: partner.name } });
  // The same organisation's accounts: a caseworker has the key's rights exactly; its partner admin has its own too.
  const partnerAdmin = await createPartnerAccount(app, partner, { admin: true });
  const caseworker = await createPartnerAccount(app, partner, { by: partnerAdmin });
  const again = (account: typeof caseworker) => async () =>
    (await app.deps.services.partnerAccounts.signIn(account.username, PASSWORD, 'matrix', account.recoveryCodes.shift())).token;
  principals.push({ name: 'partner caseworker', token: caseworker.token, principal: { kind: 'partner', partnerId: partner.partner.id, name: partner.name, account: { id: 'x', admin: false, sessionId: 'x' } }, signInAgain: again(caseworker) });
  principals.push({ name: 'partner admin account', token: partnerAdmin.token, principal: { kind: 'partner', partnerId: partner.partner.id, name: partner.name, account: { id: 'x', admin: true, sessionId: 'x' } }, signInAgain: again(partnerAdmin) });
  for (const role of ROLES) {
    const { token, user } = await createStaff(app, role as Role, role === 'INVESTIGATOR' ? 'SO12' : null);
    principals.push({ name: role, token, principal: { kind: 'staff', userId: user.id, username: user.username, roles: [role as Role], desk: user.desk, sessionId: 'x' } });
  }
});
afterAll(() => app?.close());

async function run(kind: Kind, doc: string, token: string | undefined): Promise<{ denied: boolean; code: string | undefined }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (kind === 'subscription') headers.accept = 'text/event-stream';
  const controller = new AbortController();
  const res = await fetch(app.url, { method: 'POST', headers, body: JSON.stringify({ query: doc }), signal: controller.signal });
  let text = '';
  if (kind === 'subscription') {
    // An allowed subscription stays open; a denied one sends an error event at once.
    const reader = res.body!.getReader();
    const timer = setTimeout(() => controller.abort(), 1_500);
    try {
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } catch {
      /* aborted: still open, so it was allowed */
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    const data = text.split('\n').find((l) => l.startsWith('data:'));
    const body = data ? JSON.parse(data.slice(5)) : {};
    const ext = body.errors?.[0]?.extensions ?? {};
    return { denied: Boolean(ext.policy), code: ext.code };
  }
  const body = (await res.json()) as { errors?: { extensions?: { code?: string; policy?: string } }[] };
  const ext = body.errors?.[0]?.extensions ?? {};
  // Denied by the policy table; any other outcome (data, NOT_FOUND, BAD_USER_INPUT…) means it was allowed through.
  return { denied: Boolean(ext.policy) && (ext.code === 'FORBIDDEN' || ext.code === 'UNAUTHENTICATED'), code: ext.code };
}

describe('authorisation matrix', () => {
  it('has a policy entry for every root field, and every root field declares exactly that entry', () => {
    expect(operations.length).toBeGreaterThan(10);
    for (const { field } of operations) {
      expect(Object.keys(POLICY), `no policy entry for ${field.name}`).toContain(field.name);
      const scopes = (field.extensions as { pothosOptions?: { authScopes?: { allow?: string } } }).pothosOptions?.authScopes;
      expect(scopes?.allow, `${field.name} must declare authScopes: { allow: '${field.name}' }`).toBe(field.name);
    }
  });

  it('allows and denies every operation for every principal as the policy says', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const { kind, field } of operations) {
      const doc = documentFor(kind, field);
      for (const p of principals) {
        const expected = allows(p.principal, field.name as Operation);
        const { denied, code } = await run(kind, doc, p.token);
        checked++;
        if (expected === denied) mismatches.push(`${field.name} as ${p.name}: expected ${expected ? 'allowed' : 'denied'}, got ${code ?? 'no error'}`);
      }
      if (field.name === 'partnerSignOut') for (const p of principals) if (p.signInAgain) p.token = await p.signInAgain();
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(operations.length * principals.length);
  });
});
