/**
 * The test factories (tests/support/factories.ts): users made on a database
 * an earlier process already seeded, as the bench and the chaos seed use
 * them (the factory's two admins exist and the host CLI's bootstrap is
 * closed, so the second process signs them in instead of making them again);
 * and `buildReport`, whose reports the API must then show as asked, with the
 * history and audit events a report worked by people has.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../src/auth/types.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import type { Priority } from '../../src/reports/model/types.js';
import { bootApp, testEnv, type TestApp } from '../support/app.js';
import { auditEntries, Q } from '../support/desk.js';
import { buildReport, createStaff, createUserWithRoles, PASSWORD, type BuiltStatus } from '../support/factories.js';

describe('factories', () => {
  it('create approved users from a second process on the same database', async () => {
    const config = loadConfig(testEnv());
    for (const username of ['first.process', 'second.process']) {
      const deps = await createDeps(config, pino({ level: 'silent' }));
      try {
        const user = await createUserWithRoles(deps, { username, password: PASSWORD, roles: ['AUDITOR'], desk: null });
        expect(user.roles).toEqual(['AUDITOR']);
        expect((await deps.database.db.collection('users').findOne({ username }))?.roles).toEqual(['AUDITOR']);
      } finally {
        if (username === 'second.process') await deps.database.db.dropDatabase();
        await deps.close();
      }
    }
  });
});

describe('buildReport', () => {
  let app: TestApp;
  let sup: Awaited<ReturnType<typeof createStaff>>;
  beforeAll(async () => {
    app = await bootApp();
    sup = await createStaff(app, 'SUPERVISOR');
  });
  afterAll(() => app?.close());

  /** Every status it builds, on both desks and at every priority between them. */
  const cases: [Exclude<BuiltStatus, 'RECEIVED'>, Desk, Priority][] = [
    ['TRIAGED', 'SO13', 'P1'],
    ['ASSIGNED', 'SO12', 'P2'],
    ['UNDER_RESEARCH', 'SO13', 'P3'],
    ['ACTIONED', 'SO12', 'P4'],
    ['REFERRED', 'SO13', 'P2'],
    ['NO_FURTHER_ACTION', 'SO12', 'P1'],
    ['CLOSED', 'SO13', 'P4'],
  ];

  it.each(cases)('builds a report in status %s on %s at %s, as the API then shows it, with every step in history and audit', async (status, desk, priority) => {
    const built = await buildReport(app, { status, desk, priority });
    const shown = (await app.gql(Q.report, { id: built.id }, sup.token)).data.report;
    expect(shown).toMatchObject({ id: built.id, reference: built.reference, status, desk, priority, version: built.version });
    const held = status !== 'TRIAGED';
    expect(shown.assignee).toBe(held ? built.assignee!.user.id : null);
    // Routed by the triage task, claimed and moved by the holder's own mutations: each step in the history and the audit log.
    const actions = (shown.history as { action: string }[]).map((h) => h.action);
    // A report built alongside may link to this one before its own routing (a sound-alike subject name is a possible link): a "linked" line can come first.
    expect(actions.filter((a) => a !== 'linked').slice(0, 2)).toEqual(['received', 'triaged']);
    const triaged = (shown.history as { action: string; to: string }[]).find((h) => h.action === 'triaged')!;
    expect(JSON.parse(triaged.to)).toMatchObject({ status: 'TRIAGED', desk, priority });
    expect(await auditEntries(app, 'report.triage', built.id)).toHaveLength(1);
    expect(await auditEntries(app, 'report.claim', built.id)).toHaveLength(held ? 1 : 0);
    const moves = { TRIAGED: 0, ASSIGNED: 0, UNDER_RESEARCH: 1, ACTIONED: 2, REFERRED: 2, NO_FURTHER_ACTION: 2, CLOSED: 3 }[status];
    expect(await auditEntries(app, 'report.transition', built.id)).toHaveLength(moves);
    expect((await app.gql(Q.verify, { id: built.id }, sup.token)).data.verifyReportHistory).toMatchObject({ valid: true });
  });

  it('leaves a RECEIVED report unrouted, and gives the report to the assignee asked for', async () => {
    const received = await buildReport(app, { status: 'RECEIVED' });
    expect((await app.gql(Q.report, { id: received.id }, sup.token)).data.report).toMatchObject({ status: 'RECEIVED', desk: null, priority: null, assignee: null });
    const inv = await createStaff(app, 'INVESTIGATOR', 'SO13');
    const held = await buildReport(app, { status: 'ASSIGNED', desk: 'SO13', assignee: inv });
    expect(held.assignee).toBe(inv);
    expect((await app.gql(Q.report, { id: held.id }, inv.token)).data.report).toMatchObject({ status: 'ASSIGNED', desk: 'SO13', priority: 'P3', assignee: inv.user.id });
  });

  it('refuses an app whose worker would route the report by the real rules first', async () => {
    const withWorker = await bootApp({ worker: true });
    try {
      await expect(buildReport(withWorker)).rejects.toThrow(/without the worker/);
    } finally {
      await withWorker.close();
    }
  });
});
