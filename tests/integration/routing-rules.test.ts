/**
 * Routing rules reloaded without a restart (src/triage/rules-holder.ts), on
 * the real app, worker, FerretDB and Redis: a reload changes routing for new
 * reports only, each report records the rules version that routed it, an
 * invalid file is refused and the previous rules keep routing, a second
 * process follows a reload over Redis, and only an admin may reload.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createPartner, createStaff } from '../support/factories.js';
import { hotlineCall, partnerReferral, RECORD_CALL, SUBMIT_REFERRAL } from '../support/payloads.js';
import { runScript, waitFor } from '../support/spawn.js';

const SHIPPED = join(PROJECT_ROOT, 'schema', 'routing-rules.json');
const rulesFile = join(mkdtempSync(join(tmpdir(), 'routing-rules-')), 'rules.json');
const shipped = () => JSON.parse(readFileSync(SHIPPED, 'utf8'));
/** Writes the rules file the service is configured with (the shipped rules plus these, under a version of their own). */
const writeRules = (version: string, extra: unknown[]) => writeFileSync(rulesFile, JSON.stringify({ ...shipped(), version, rules: [...extra, ...shipped().rules] }, null, 2));

const RELOAD = `mutation { reloadRoutingRules { changed previousVersionId inForce { version versionId rules { id when { source partnersAny } } } } }`;
const RULES = `query { routingRules { version versionId rules { id } } }`;
const VIEW = `query($id: ID!) { report(id: $id) { desk priority ruleSetVersion triageReasons } }`;

let app: TestApp;
let admin: { token: string };
let supervisor: { token: string };
let handler: { token: string };

beforeAll(async () => {
  copyFileSync(SHIPPED, rulesFile);
  app = await bootApp({ worker: true, env: { ROUTING_RULES_FILE: rulesFile } });
  [admin, supervisor, handler] = [await createStaff(app, 'ADMIN'), await createStaff(app, 'SUPERVISOR'), await createStaff(app, 'CALL_HANDLER')];
});
afterAll(() => app?.close());

const find = (id: string) => app.deps.reports.findById(id) as Promise<ReportDoc>;
async function routed(id: string): Promise<ReportDoc> {
  await waitFor(async () => (await find(id))?.status === 'TRIAGED', 15_000, `report ${id} triaged`);
  return find(id);
}
async function call(i: number, overrides: Record<string, unknown>): Promise<ReportDoc> {
  const res = await app.gql(RECORD_CALL, { input: hotlineCall(i, { vehicles: [], subjects: [], locations: [], ...overrides }) }, handler.token);
  expect(res.errors).toBeUndefined();
  return routed(res.data.recordHotlineCall.id);
}
async function reload(token = admin.token) {
  return app.gql(RELOAD, {}, token);
}
const rulesAudit = async () => (await app.deps.services.audit.query({ action: 'triage.rules_reload' }, { first: 20 })).entries;

describe('routing rules reload', () => {
  it('changes routing for new reports only; each report records the version that routed it', async () => {
    const before = await call(1, { categories: ['FINANCE'], borough: 'NEWHAM' });
    const v1 = app.deps.rules.current().versionId;
    expect(before).toMatchObject({ desk: 'SO12', priority: 'P3' });
    expect(before.triage!.ruleSetVersion).toBe(v1);

    writeRules('test.2', [{ id: 'newham-finance', when: { boroughsAny: ['NEWHAM'], categoriesAny: ['FINANCE'], source: 'HOTLINE_CALL' }, desk: 'SO13', priority: 'P2' }]);
    const res = await reload();
    expect(res.errors).toBeUndefined();
    const v2 = res.data.reloadRoutingRules.inForce.versionId;
    expect(res.data.reloadRoutingRules).toMatchObject({ changed: true, previousVersionId: v1, inForce: { version: 'test.2' } });
    expect(v2).toMatch(/^test\.2\+[0-9a-f]{12}$/);

    const after = await call(2, { categories: ['FINANCE'], borough: 'NEWHAM' });
    expect(after).toMatchObject({ desk: 'SO13', priority: 'P2' });
    expect(after.triage).toMatchObject({ ruleSetVersion: v2, reasons: expect.arrayContaining(['rule:newham-finance']) });
    // The earlier report keeps its desk, priority and the version that routed it.
    expect(await find(before._id)).toMatchObject({ desk: 'SO12', priority: 'P3', triage: { ruleSetVersion: v1 } });
    // Visible in the report view and in its history.
    const view = await app.gql(VIEW, { id: before._id }, supervisor.token);
    expect(view.data.report).toMatchObject({ desk: 'SO12', ruleSetVersion: v1 });
    expect((await app.gql(VIEW, { id: after._id }, supervisor.token)).data.report).toMatchObject({ desk: 'SO13', ruleSetVersion: v2 });
    expect(after.history.find((h) => h.action === 'triaged')!.to).toMatchObject({ ruleSetVersion: v2 });
    // Audited with the versions from and to.
    expect((await rulesAudit())[0]).toMatchObject({ outcome: 'success', actor: { type: 'user' }, details: { from: v1, to: v2, changed: true } });
  });

  it('routes by partner and source end to end', async () => {
    const trusted = await createPartner(app);
    const other = await createPartner(app);
    writeRules('test.3', [{ id: 'trusted-partner', when: { source: 'PARTNER_REFERRAL', partnersAny: [trusted.partner.id] }, desk: 'SO13', priority: 'P1' }]);
    expect((await reload()).data.reloadRoutingRules.inForce.rules[0]).toEqual({ id: 'trusted-partner', when: { source: 'PARTNER_REFERRAL', partnersAny: [trusted.partner.id] } });
    const refer = async (partner: { apiKey: string; partner: { id: string } }, i: number) => {
      const res = await app.gql(SUBMIT_REFERRAL, { input: partnerReferral(i, { categories: ['ACCOMMODATION'], vehicles: [], subjects: [], locations: [] }) }, partner.apiKey);
      expect(res.errors).toBeUndefined();
      const doc = await app.deps.database.db.collection<ReportDoc>('reports').findOne({ 'recordedBy.id': partner.partner.id });
      return routed(doc!._id);
    };
    expect(await refer(trusted, 3)).toMatchObject({ desk: 'SO13', priority: 'P1', triage: { reasons: expect.arrayContaining(['rule:trusted-partner']) } });
    expect(await refer(other, 4)).toMatchObject({ desk: 'SO12', priority: 'P4', triage: { reasons: ['rule:accommodation'] } });
    // A hotline call of the same kind is not a partner referral.
    expect(await call(5, { categories: ['ACCOMMODATION'] })).toMatchObject({ desk: 'SO12', priority: 'P4' });
  });

  it('refuses an invalid file with a clear error naming the rule; the previous rules keep routing', async () => {
    const inForce = app.deps.rules.current().versionId;
    writeFileSync(rulesFile, JSON.stringify({ ...shipped(), version: 'broken', rules: [{ id: 'no-such-borough', when: { boroughsAny: ['NARNIA'] }, desk: 'SO13', priority: 'P1' }] }));
    const res = await reload();
    expect(res.data).toBeNull();
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/rule "no-such-borough" \(rules\[0\]\) when\.boroughsAny\[0\]/);
    expect(res.errors![0]!.extensions!.problems).toEqual([expect.stringMatching(/^rule "no-such-borough"/)]);
    expect((await app.gql(RULES, {}, supervisor.token)).data.routingRules.versionId).toBe(inForce);
    expect((await call(6, { categories: ['TRAVEL'] })).triage!.ruleSetVersion).toBe(inForce);
    expect((await rulesAudit())[0]).toMatchObject({ outcome: 'failure', details: { inForce, problems: [expect.stringMatching(/no-such-borough/)] } });

    writeFileSync(rulesFile, '{ "version": "half a file"');
    const notJson = await reload();
    expect(notJson.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/not JSON/) });
    expect(app.deps.rules.current().versionId).toBe(inForce);
  });

  it('is followed by every other process, through Redis', async () => {
    writeRules('test.before-4', []);
    expect((await reload()).errors).toBeUndefined();
    const other: Deps = await createDeps(loadConfig(app.env), createLogger('silent'));
    try {
      writeRules('test.4', [{ id: 'advice-line', when: { channelsAny: ['COMMUNITIES_TOGETHER_LINE'] }, desk: 'SO13', priority: 'P3' }]);
      expect(other.rules.current().version).toBe('test.before-4');
      const res = await reload();
      const v4 = res.data.reloadRoutingRules.inForce.versionId;
      await waitFor(async () => other.rules.current().versionId === v4, 10_000, 'the other process to follow the reload');
      expect(other.rules.current().rules.map((r) => r.id)).toContain('advice-line');
    } finally {
      await other.close();
    }
  });

  it('is not followed by a process whose own file differs from the one reloaded: it keeps its rules and says why', async () => {
    const ownFile = join(mkdtempSync(join(tmpdir(), 'other-rules-')), 'rules.json');
    copyFileSync(SHIPPED, ownFile);
    const lines: string[] = [];
    const other: Deps = await createDeps(loadConfig({ ...app.env, ROUTING_RULES_FILE: ownFile, LOG_LEVEL: 'info' }), createLogger('info', { write: (l: string) => void lines.push(l) }));
    try {
      const own = other.rules.current().versionId;
      writeRules('test.6', []);
      const v6 = (await reload()).data.reloadRoutingRules.inForce.versionId;
      // (At start it already caught up with the last announced version, and refused it the same way.)
      await waitFor(async () => lines.some((l) => l.includes('differ from this host') && l.includes(v6)), 10_000, 'the refusal to be logged');
      expect(other.rules.current().versionId).toBe(own);
    } finally {
      await other.close();
    }
  });

  it('may be reloaded by an admin only, and read by supervisors, auditors and admins', async () => {
    const auditor = await createStaff(app, 'AUDITOR');
    for (const who of [supervisor, handler, auditor]) expect((await reload(who.token)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    for (const who of [supervisor, auditor, admin]) expect((await app.gql(RULES, {}, who.token)).errors).toBeUndefined();
    expect((await app.gql(RULES, {}, handler.token)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('CLI: rules:check names the rule of a bad file; rules:reload reloads, audited as the admin CLI', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'bad-rules-')), 'rules.json');
    writeFileSync(bad, JSON.stringify({ ...shipped(), rules: [{ id: 'typo', when: { borough: 'CAMDEN' }, desk: 'SO13', priority: 'P1' }] }));
    const checked = await runScript('scripts/admin/admin.ts', ['rules:check', bad], {});
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/rule "typo" \(rules\[0\]\) when: .*borough/);
    expect((await runScript('scripts/admin/admin.ts', ['rules:check', SHIPPED], {})).stdout).toMatch(/^valid: \d+ rules, version id /);

    writeRules('test.5', []);
    const cli = await runScript('scripts/admin/admin.ts', ['rules:reload'], app.env);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/reloaded: .* -> test\.5\+/);
    // The CLI is a process of its own: the running app follows it over Redis.
    await waitFor(async () => app.deps.rules.current().version === 'test.5', 10_000, 'the app to follow the CLI reload');
    expect((await rulesAudit())[0]).toMatchObject({ outcome: 'success', actor: { type: 'system', id: 'admin-cli' } });
  });
});
