/**
 * The partner face (`--process=partner`, src/http/server.ts `startPartnerFace`) on the real app: it serves the partner
 * operations and nothing else. Every staff operation in the policy table, sent to it, is refused with the very
 * answer a made-up field name gets (nothing confirms the operation exists); introspection shows no staff type;
 * every answer is `no-store`; the pages have their own strict policy; no request leaves a log line and there
 * are no metrics there.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getNamedType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLNamedType, type GraphQLSchema, type GraphQLType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPartnerOperation, POLICY } from '../../src/auth/policy.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { partnerReferral, REFERRAL_STATUS, SUBMIT_REFERRAL } from '../support/payloads.js';

let app: TestApp;
let partner: Awaited<ReturnType<typeof createPartner>>;
const logs: string[] = [];
// A stand-in for the built partner pages, so the page headers are tested without a Vite build.
const pagesDir = join(tmpdir(), `partner-pages-${randomUUID().slice(0, 8)}`);

beforeAll(async () => {
  mkdirSync(join(pagesDir, 'assets'), { recursive: true });
  writeFileSync(join(pagesDir, 'index.html'), '<!doctype html><title>Partner portal</title>');
  writeFileSync(join(pagesDir, 'assets', 'app-abc123.js'), 'console.log(1)');
  app = await bootApp({ partner: true, env: { LOG_LEVEL: 'info', PARTNER_WEB_DIR: pagesDir }, logDestination: { write: (line: string) => void logs.push(line) } });
  partner = await createPartner(app);
});
afterAll(() => app?.close());

const full: GraphQLSchema = buildSchema();
const rootOf = (op: string): 'query' | 'mutation' | 'subscription' =>
  full.getQueryType()!.getFields()[op] ? 'query' : full.getMutationType()!.getFields()[op] ? 'mutation' : 'subscription';
const named = (t: GraphQLType) => getNamedType(t) as GraphQLNamedType;
const staffOperations = Object.keys(POLICY).filter((op) => !isPartnerOperation(op));

/** What the partner face answers to `<kind> { <field> }`, with the field's name replaced so two answers compare. */
async function answerTo(kind: string, field: string) {
  const res = await app.partner!.gql(`${kind} { ${field} }`);
  const errors = res.errors?.map((e) => ({ ...e, message: e.message.replaceAll(`"${field}"`, '"FIELD"') }));
  return JSON.stringify({ status: res.status, data: res.data, errors });
}

describe('the partner face serves partner operations only', () => {
  it('refuses every staff operation exactly as it refuses a made-up name', { timeout: 120_000 }, async () => {
    expect(staffOperations.length).toBeGreaterThan(50);
    for (const op of staffOperations) {
      const kind = rootOf(op);
      const madeUp = `${op.slice(0, 3)}${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      const [staff, invented] = await Promise.all([answerTo(kind, op), answerTo(kind, madeUp)]);
      expect(staff, op).toBe(invented);
      expect(staff, op).not.toMatch(/Did you mean/);
    }
    // The same request on the staff API is not a "no such field" answer: the comparison above means something.
    const onApi = await app.gql('query { deskQueue }');
    expect(JSON.stringify(onApi.errors)).not.toMatch(/Cannot query field/);
  });

  it('a staff credential is no credential there', async () => {
    const staff = await createStaff(app, 'ADMIN');
    const res = await app.partner!.gql(REFERRAL_STATUS, { r: 'HL-ABCD-EFGH' }, staff.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('introspection shows the partner operations and no staff type', async () => {
    const res = await app.partner!.gql(`{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { name } types { name } } }`);
    expect(res.errors).toBeUndefined();
    const schema = res.data.__schema;
    const roots: string[] = [...schema.queryType.fields, ...(schema.mutationType?.fields ?? [])].map((f: { name: string }) => f.name);
    expect(roots).toEqual(expect.arrayContaining(['submitPartnerReferral', 'partnerReferralStatus', 'addToReferral', 'answerPartnerQuestion']));
    for (const name of roots) expect(isPartnerOperation(name), name).toBe(true);
    expect(schema.subscriptionType).toBeNull();
    // Every type the staff operations reach and no partner operation reaches is absent.
    const reach = (ops: string[]) => {
      const seen = new Set<string>();
      const visit = (t: GraphQLNamedType) => {
        if (seen.has(t.name)) return;
        seen.add(t.name);
        if (!isObjectType(t) && !isInterfaceType(t) && !isInputObjectType(t)) return;
        for (const f of Object.values(t.getFields())) {
          visit(named(f.type));
          for (const a of 'args' in f ? f.args : []) visit(named(a.type));
        }
      };
      for (const op of ops) {
        const field = (full.getQueryType()!.getFields()[op] ?? full.getMutationType()!.getFields()[op] ?? full.getSubscriptionType()!.getFields()[op])!;
        visit(getNamedType(field.type));
        for (const a of field.args) visit(getNamedType(a.type));
      }
      return seen;
    };
    const partnerTypes = reach(Object.keys(POLICY).filter(isPartnerOperation));
    const staffOnly = [...reach(staffOperations)].filter((t) => !partnerTypes.has(t));
    expect(staffOnly).toEqual(expect.arrayContaining(['User', 'AuditEntry']));
    const served = new Set<string>(schema.types.map((t: { name: string }) => t.name));
    expect(staffOnly.filter((t) => served.has(t))).toEqual([]);
  });

  it('runs the partner operations with a partner key', async () => {
    const sent = await app.partner!.gql(SUBMIT_REFERRAL, { input: partnerReferral(1) }, partner.apiKey);
    expect(sent.errors).toBeUndefined();
    const status = await app.partner!.gql(REFERRAL_STATUS, { r: sent.data.submitPartnerReferral.receipt }, partner.apiKey);
    expect(status.errors).toBeUndefined();
    expect(status.data.partnerReferralStatus.state).toBe('RECEIVED');
  });
});

describe('what the partner face keeps and says', () => {
  const base = () => app.partner!.url.replace(/\/graphql$/, '');

  it('answers no-store to everything, pages under a strict policy of their own', async () => {
    for (const path of ['/', '/our-referrals', '/assets/app-abc123.js', '/assets/missing.js', '/healthz', '/readyz', '/nowhere.txt']) {
      const res = await fetch(`${base()}${path}`);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const page = await fetch(`${base()}/`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const api = await fetch(app.partner!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(api.headers.get('cache-control')).toBe('no-store');
  });

  it('has no GraphiQL and no metrics, and leaves no request log line', async () => {
    const before = logs.length;
    const graphiql = await fetch(app.partner!.url, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).not.toMatch(/graphiql/i);
    const metrics = await fetch(`${base()}/metrics`, { headers: { authorization: 'Bearer x'.repeat(5) } });
    expect(await metrics.text()).not.toMatch(/# HELP|# TYPE/);
    await app.partner!.gql(REFERRAL_STATUS, { r: 'HL-ABCD-EFGH' }, partner.apiKey);
    await app.partner!.gql('{ nothingHere }');
    await fetch(`${base()}/`);
    const lines = logs.slice(before).map((l) => JSON.parse(l) as { msg: string });
    expect(lines.filter((l) => l.msg === 'request' || l.msg === 'http error')).toEqual([]);
    // The same kind of request on the staff API is logged: the check above can see a line when there is one.
    await app.gql('{ __typename }');
    expect(logs.slice(before).some((l) => JSON.parse(l).msg === 'request')).toBe(true);
  });
});
