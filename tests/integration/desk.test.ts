/**
 * Desk work against the real API, FerretDB and Redis: queues and cursors,
 * claim races, the status workflow, row-level access, supervision and
 * history verification. These apps run without the triage worker so that
 * each test routes its reports to the desk and priority it needs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditWriteError } from '../../src/audit/service.js';
import type { Desk, Role } from '../../src/auth/types.js';
import type { HistoryEntry, Priority, ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, closingOutcome, codeOf, findReport, principalOf, Q, recordCall, triageDirectly } from '../support/desk.js';
import { createStaff } from '../support/factories.js';

type Staff = Awaited<ReturnType<typeof createStaff>>;

/** A fresh app (own database) per describe block, so that queue contents are known. */
function useApp() {
  const ctx = {} as { app: TestApp; handler: Staff; sup: Staff; auditor: Staff; inv: Record<'so12' | 'so12b' | 'so13' | 'so13b', Staff> };
  beforeAll(async () => {
    ctx.app = await bootApp();
    const staff = (roles: Role | Role[], desk: Desk | null = null) => createStaff(ctx.app, roles, desk);
    [ctx.handler, ctx.sup, ctx.auditor] = await Promise.all([staff('CALL_HANDLER'), staff('SUPERVISOR'), staff('AUDITOR')]);
    const [so12, so12b, so13, so13b] = await Promise.all([staff('INVESTIGATOR', 'SO12'), staff('INVESTIGATOR', 'SO12'), staff('INVESTIGATOR', 'SO13'), staff('INVESTIGATOR', 'SO13')]);
    ctx.inv = { so12: so12!, so12b: so12b!, so13: so13!, so13b: so13b! };
  });
  afterAll(() => ctx.app?.close());
  return ctx;
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe('desk queue', () => {
  const t = useApp();

  /** Records and routes a report received `ago` minutes ago. */
  async function queued(desk: Desk, priority: Priority, ago: number) {
    const id = await recordCall(t.app, t.handler.token, ago, { receivedAt: minutesAgo(ago) });
    await triageDirectly(t.app, id, desk, priority);
    return id;
  }

  async function page(token: string, desk: Desk, first: number, after?: string | null) {
    const res = await t.app.gql(Q.queue, { desk, first, after }, token);
    expect(res.errors).toBeUndefined();
    return res.data.deskQueue as { edges: { cursor: string; node: any }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  }

  it('lists triaged, unclaimed reports by priority then age, without content, with cursors that stay stable while reports arrive', async () => {
    const specs: [Priority, number][] = [['P3', 50], ['P1', 10], ['P2', 40], ['P1', 30], ['P3', 20], ['P4', 60], ['P2', 5]];
    const ids: string[] = [];
    for (const [priority, ago] of specs) ids.push(await queued('SO12', priority, ago));
    const expected = specs
      .map(([p, ago], i) => ({ p, ago, id: ids[i]! }))
      .sort((a, b) => (a.p === b.p ? b.ago - a.ago : a.p.localeCompare(b.p)))
      .map((x) => x.id);
    // Not in SO12's queue: another desk's report, one not yet triaged, one already claimed.
    await queued('SO13', 'P1', 1);
    await recordCall(t.app, t.handler.token, 99, { receivedAt: minutesAgo(90) });
    const claimed = await queued('SO12', 'P1', 70);
    expect((await t.app.gql(Q.claim, { id: claimed }, t.inv.so12.token)).errors).toBeUndefined();

    const first = await page(t.inv.so12.token, 'SO12', 3);
    expect(first.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 3));
    expect(first.pageInfo.hasNextPage).toBe(true);
    for (const e of first.edges) {
      expect(e.node.narrative).toBeNull();
      expect(e.node.status).toBe('TRIAGED');
    }

    // New arrivals: a P1 sorts before the cursor (a later page must not show it or repeat
    // anything); a P4 received just now sorts after everything and must appear at the end.
    await queued('SO12', 'P1', 0);
    const lateP4 = await queued('SO12', 'P4', 0);

    const rest: string[] = [];
    let cursor = first.pageInfo.endCursor;
    for (let guard = 0; guard < 10; guard++) {
      const p = await page(t.inv.so12.token, 'SO12', 3, cursor);
      rest.push(...p.edges.map((e) => e.node.id));
      cursor = p.pageInfo.endCursor;
      if (!p.pageInfo.hasNextPage) break;
    }
    expect(rest).toEqual([...expected.slice(3), lateP4]);

    // Listing decrypts nothing, so it is not audited as a read.
    expect(await auditEntries(t.app, 'report.read')).toHaveLength(0);

    // A supervisor sees the same queue, and the first page from the top now includes the new P1.
    const top = await page(t.sup.token, 'SO12', 100);
    expect(top.edges).toHaveLength(expected.length + 2);
    expect(top.edges[0]!.node.priority).toBe('P1');
  });

  it('rejects malformed cursors and page sizes with BAD_USER_INPUT', async () => {
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const bad = [
      'not a cursor!',
      b64('garbage'),
      b64({ priority: 'P9', receivedAt: new Date().toISOString(), id: 'x' }),
      b64({ priority: 'P1', receivedAt: 'yesterday', id: 'x' }),
      b64({ priority: 'P1', receivedAt: new Date().toISOString() }),
      b64([1, 2, 3]),
      'A'.repeat(400),
    ];
    for (const after of bad) {
      const res = await t.app.gql(Q.queue, { desk: 'SO12', first: 5, after }, t.inv.so12.token);
      expect(codeOf(res), after).toBe('BAD_USER_INPUT');
    }
    for (const first of [0, -1, 101]) {
      const res = await t.app.gql(Q.queue, { desk: 'SO12', first }, t.inv.so12.token);
      expect(codeOf(res), String(first)).toBe('BAD_USER_INPUT');
    }
    const defaults = await t.app.gql(Q.queue, { desk: 'SO12' }, t.inv.so12.token);
    expect(defaults.errors).toBeUndefined();
    expect(defaults.data.deskQueue.edges.length).toBeLessThanOrEqual(20);
  });

  it("shows investigators only their own desk's queue; supervisors every desk; other roles none", async () => {
    expect(codeOf(await t.app.gql(Q.queue, { desk: 'SO13' }, t.inv.so12.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.app.gql(Q.queue, { desk: 'SO12' }, t.inv.so13.token))).toBe('FORBIDDEN');
    expect((await t.app.gql(Q.queue, { desk: 'SO13' }, t.sup.token)).errors).toBeUndefined();
    expect(codeOf(await t.app.gql(Q.queue, { desk: 'SO12' }, t.handler.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.app.gql(Q.queue, { desk: 'SO12' }, t.auditor.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.app.gql(Q.queue, { desk: 'SO12' }))).toBe('UNAUTHENTICATED');
  });
});

describe('claiming', () => {
  const t = useApp();

  it('gives 5 reports to 5 of 10 parallel claimers, never the same report twice; the others get null', async () => {
    const claimers = await Promise.all(Array.from({ length: 10 }, () => createStaff(t.app, 'INVESTIGATOR', 'SO13')));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await recordCall(t.app, t.handler.token, i);
      await triageDirectly(t.app, id, 'SO13', 'P2');
      ids.push(id);
    }
    const results = await Promise.all(claimers.map((c) => t.app.gql(Q.claimNext, { desk: 'SO13' }, c.token)));
    for (const r of results) expect(r.errors).toBeUndefined();
    const won = results.map((r, i) => ({ report: r.data.claimNextReport, claimer: claimers[i]! })).filter((w) => w.report);
    expect(won).toHaveLength(5);
    expect(new Set(won.map((w) => w.report.id)).size).toBe(5);
    expect(new Set(won.map((w) => w.report.id))).toEqual(new Set(ids));
    for (const w of won) {
      expect(w.report).toMatchObject({ status: 'ASSIGNED', assignee: w.claimer.user.id });
      const doc = await findReport(t.app, w.report.id);
      expect(doc.assignee).toBe(w.claimer.user.id);
      expect(doc.history.filter((h) => h.action === 'claimed')).toHaveLength(1);
    }
    expect(await auditEntries(t.app, 'report.claim')).toHaveLength(5);
    // The queue is empty now.
    expect((await t.app.gql(Q.claimNext, { desk: 'SO13' }, t.inv.so13.token)).data.claimNextReport).toBeNull();
  });

  it('lets exactly one of two racing investigators claim a given report; the other gets CONFLICT', async () => {
    const id = await recordCall(t.app, t.handler.token, 11);
    await triageDirectly(t.app, id, 'SO13', 'P3');
    const [a, b] = await Promise.all([t.app.gql(Q.claim, { id }, t.inv.so13.token), t.app.gql(Q.claim, { id }, t.inv.so13b.token)]);
    const outcomes = [a, b].map((r) => (r.errors ? codeOf(r) : 'WON'));
    expect(outcomes.sort()).toEqual(['CONFLICT', 'WON']);
    const doc = await findReport(t.app, id);
    expect([t.inv.so13.user.id, t.inv.so13b.user.id]).toContain(doc.assignee);
    expect(doc.history.map((h) => h.action)).toEqual(['received', 'triaged', 'claimed']);
  });

  it('claims the most urgent, then the oldest report first', async () => {
    const older = await recordCall(t.app, t.handler.token, 12, { receivedAt: minutesAgo(30) });
    const urgent = await recordCall(t.app, t.handler.token, 13, { receivedAt: minutesAgo(1) });
    const newer = await recordCall(t.app, t.handler.token, 14, { receivedAt: minutesAgo(2) });
    await triageDirectly(t.app, older, 'SO12', 'P3');
    await triageDirectly(t.app, urgent, 'SO12', 'P1');
    await triageDirectly(t.app, newer, 'SO12', 'P3');
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await t.app.gql(Q.claimNext, { desk: 'SO12' }, t.inv.so12.token)).data.claimNextReport.id);
    expect(order).toEqual([urgent, older, newer]);
  });

  it("refuses another desk's reports (FORBIDDEN) and unknown ids (NOT_FOUND)", async () => {
    const id = await recordCall(t.app, t.handler.token, 15);
    await triageDirectly(t.app, id, 'SO13', 'P3');
    expect(codeOf(await t.app.gql(Q.claimNext, { desk: 'SO13' }, t.inv.so12.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.app.gql(Q.claim, { id }, t.inv.so12.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.app.gql(Q.claim, { id: randomUUID() }, t.inv.so12.token))).toBe('NOT_FOUND');
    expect(codeOf(await t.app.gql(Q.claim, { id }, t.handler.token))).toBe('FORBIDDEN');
    expect((await findReport(t.app, id)).status).toBe('TRIAGED');
  });
});

describe('workflow', () => {
  const t = useApp();
  const gql = (q: string, v: Record<string, unknown>, who: Staff) => t.app.gql(q, v, who.token);

  /** A report on SO13 claimed by `holder`; returns its id and version. */
  async function held(holder: Staff, overrides: Record<string, unknown> = {}) {
    const id = await recordCall(t.app, t.handler.token, Math.floor(Math.random() * 1000), overrides);
    await triageDirectly(t.app, id, 'SO13', 'P3');
    const res = await gql(Q.claim, { id }, holder);
    expect(res.errors).toBeUndefined();
    return { id, version: res.data.claimReport.version as number };
  }

  async function move(who: Staff, id: string, to: string, v: number, reason = 'checked the records') {
    const res = await gql(Q.transition, { id, to, reason, v, ...closingOutcome(to) }, who);
    expect(res.errors, `${to}: ${JSON.stringify(res.errors)}`).toBeUndefined();
    return res.data.transitionReport as { status: string; version: number; narrative: null };
  }

  it('walks every legal path to CLOSED, one history entry per step', async () => {
    for (const outcome of ['ACTIONED', 'REFERRED', 'NO_FURTHER_ACTION']) {
      const r = await held(t.inv.so13);
      let v = r.version;
      for (const to of ['UNDER_RESEARCH', outcome, 'CLOSED']) {
        const moved = await move(t.inv.so13, r.id, to, v);
        expect(moved.status).toBe(to);
        expect(moved.version).toBe(v + 1);
        expect(moved.narrative).toBeNull(); // mutations return no content
        v = moved.version;
      }
      const doc = await findReport(t.app, r.id);
      expect(doc.closedAt).toBeInstanceOf(Date);
      const steps = doc.history.filter((h) => h.action === 'status_changed');
      expect(steps.map((h) => h.to)).toEqual([{ status: 'UNDER_RESEARCH' }, { status: outcome }, { status: 'CLOSED', outcome: 'NO_TRACE' }]);
      expect(doc.outcome).toBe('NO_TRACE');
      expect(steps.every((h) => h.actor.type === 'user' && h.actor.id === t.inv.so13.user.id && h.actor.name === t.inv.so13.username)).toBe(true);
      expect((await gql(Q.verify, { id: r.id }, t.inv.so13)).data.verifyReportHistory).toEqual({ valid: true, length: 6, brokenAt: null });
    }
    const audits = await auditEntries(t.app, 'report.transition');
    expect(audits).toHaveLength(9);
    // The reason is named by its history entry and a keyed hash (reasons.ts), never as text.
    expect(audits[0]!.details).toMatchObject({ toStatus: 'CLOSED', reasonRef: expect.any(Number), reasonMac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(audits)).not.toContain('checked the records');
  });

  it('rejects illegal transitions with BAD_USER_INPUT naming the allowed targets', async () => {
    const r = await held(t.inv.so13);
    const attempt = async (to: string, v: number, reason = 'a good reason') => {
      const res = await gql(Q.transition, { id: r.id, to, reason, v }, t.inv.so13);
      expect(codeOf(res), to).toBe('BAD_USER_INPUT');
      return res.errors![0]!.message;
    };
    expect(await attempt('CLOSED', r.version)).toMatch(/from assigned to closed; from assigned it can move to: under research$/);
    expect(await attempt('TRIAGED', r.version)).toContain('from assigned it can move to: under research');
    expect(await attempt('ERASED', r.version)).toContain('it can move to: under research');
    const researching = await move(t.inv.so13, r.id, 'UNDER_RESEARCH', r.version);
    expect(await attempt('CLOSED', researching.version)).toContain('from under research it can move to: actioned, referred, no further action');
    expect(await attempt('ASSIGNED', researching.version)).toContain('actioned, referred, no further action');
    expect(await attempt('ACTIONED', researching.version, ' ')).toContain('needs an outcome reason');
    const actioned = await move(t.inv.so13, r.id, 'ACTIONED', researching.version);
    expect(await attempt('UNDER_RESEARCH', actioned.version)).toContain('from actioned it can move to: closed');
    const closed = await move(t.inv.so13, r.id, 'CLOSED', actioned.version);
    expect(await attempt('UNDER_RESEARCH', closed.version)).toContain('from closed it can move to: nothing');
    const doc = await findReport(t.app, r.id);
    expect(doc.version).toBe(closed.version); // the refused attempts changed nothing
  });

  it('answers CONFLICT for a stale expectedVersion and changes nothing', async () => {
    const r = await held(t.inv.so13);
    const noted = await gql(Q.note, { id: r.id, text: 'Checked the PNC: nothing recorded.' }, t.inv.so13);
    expect(noted.errors).toBeUndefined();
    expect(noted.data.addResearchNote.version).toBe(r.version + 1);
    const stale = await gql(Q.transition, { id: r.id, to: 'UNDER_RESEARCH', reason: '', v: r.version }, t.inv.so13);
    expect(codeOf(stale)).toBe('CONFLICT');
    expect(stale.errors![0]!.message).toContain('reload');
    const ahead = await gql(Q.transition, { id: r.id, to: 'UNDER_RESEARCH', reason: '', v: r.version + 5 }, t.inv.so13);
    expect(codeOf(ahead)).toBe('CONFLICT');
    const doc = await findReport(t.app, r.id);
    expect(doc).toMatchObject({ status: 'ASSIGNED', version: r.version + 1 });
    // Two clients holding the same version: exactly one wins.
    const both = await Promise.all([
      gql(Q.transition, { id: r.id, to: 'UNDER_RESEARCH', reason: '', v: doc.version }, t.inv.so13),
      gql(Q.transition, { id: r.id, to: 'UNDER_RESEARCH', reason: '', v: doc.version }, t.sup),
    ]);
    expect(both.map((b) => (b.errors ? codeOf(b) : 'OK')).sort()).toEqual(['CONFLICT', 'OK']);
  });

  it('lets only the holder or a supervisor change a claimed report; another desk is FORBIDDEN; unknown ids NOT_FOUND', async () => {
    const r = await held(t.inv.so13);
    const id = r.id;
    const v = r.version;
    // Same desk, not the holder.
    expect(codeOf(await gql(Q.transition, { id, to: 'UNDER_RESEARCH', reason: '', v }, t.inv.so13b))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.release, { id, reason: 'not mine to keep' }, t.inv.so13b))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.note, { id, text: 'x' }, t.inv.so13b))).toBe('FORBIDDEN');
    expect((await gql(Q.report, { id }, t.inv.so13b)).errors).toBeUndefined(); // but may read it
    // Another desk.
    for (const [q, vars] of [
      [Q.report, { id }],
      [Q.transition, { id, to: 'UNDER_RESEARCH', reason: '', v }],
      [Q.release, { id, reason: 'not my desk' }],
      [Q.refer, { id, desk: 'SO12', reason: 'belongs to us' }],
      [Q.verify, { id }],
      [Q.reveal, { id, reason: 'I would like to know who called' }],
    ] as const) {
      expect(codeOf(await gql(q, vars, t.inv.so12)), q.slice(0, 30)).toBe('FORBIDDEN');
    }
    // Roles outside desk work never read content.
    expect(codeOf(await gql(Q.report, { id }, t.handler))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.report, { id }, t.auditor))).toBe('FORBIDDEN');
    // A supervisor may act on any report.
    expect((await move(t.sup, id, 'UNDER_RESEARCH', v)).status).toBe('UNDER_RESEARCH');
    // Unknown ids.
    const unknown = randomUUID();
    for (const [q, vars] of [
      [Q.report, { id: unknown }],
      [Q.claim, { id: unknown }],
      [Q.transition, { id: unknown, to: 'UNDER_RESEARCH', reason: '', v: 1 }],
      [Q.verify, { id: unknown }],
      [Q.note, { id: unknown, text: 'hello' }],
    ] as const) {
      expect(codeOf(await gql(q, vars, t.inv.so13)), q.slice(0, 30)).toBe('NOT_FOUND');
    }
    expect((await findReport(t.app, id)).history.filter((h) => h.action === 'status_changed')).toHaveLength(1);
  });

  it("releases a report to its queue, and refers one to the other desk's queue, notifying both desks", async () => {
    const r = await held(t.inv.so13);
    expect(codeOf(await gql(Q.release, { id: r.id, reason: ' ' }, t.inv.so13))).toBe('BAD_USER_INPUT');
    const released = await gql(Q.release, { id: r.id, reason: 'going on leave' }, t.inv.so13);
    expect(released.data.releaseReport).toMatchObject({ status: 'TRIAGED', assignee: null });
    const queue = await gql(Q.queue, { desk: 'SO13', first: 100 }, t.inv.so13b);
    expect(queue.data.deskQueue.edges.map((e: any) => e.node.id)).toContain(r.id);
    expect(codeOf(await gql(Q.release, { id: r.id, reason: 'again' }, t.sup))).toBe('BAD_USER_INPUT');

    const so12 = t.app.deps.events.subscribe('SO12')[Symbol.asyncIterator]();
    const so13 = t.app.deps.events.subscribe('SO13')[Symbol.asyncIterator]();
    const firstOf = (it: AsyncIterator<any>) => Promise.race([it.next().then((n) => n.value), new Promise((_, reject) => setTimeout(() => reject(new Error('no event')), 5_000))]);
    await new Promise((r) => setTimeout(r, 300)); // let Redis SUBSCRIBE settle
    const nextSo12 = firstOf(so12);
    const nextSo13 = firstOf(so13);

    expect(codeOf(await gql(Q.refer, { id: r.id, desk: 'SO13', reason: 'same desk' }, t.inv.so13))).toBe('BAD_USER_INPUT');
    const referred = await gql(Q.refer, { id: r.id, desk: 'SO12', reason: 'community information, not an investigation' }, t.inv.so13);
    expect(referred.errors).toBeUndefined();
    expect(referred.data.referReport).toMatchObject({ status: 'TRIAGED', desk: 'SO12', assignee: null });
    expect(await nextSo13).toMatchObject({ desk: 'SO13', reportId: r.id, kind: 'referred-out' });
    expect(await nextSo12).toMatchObject({ desk: 'SO12', reportId: r.id, kind: 'referred-in' });
    await so12.return?.();
    await so13.return?.();

    const so12Queue = await gql(Q.queue, { desk: 'SO12', first: 100 }, t.inv.so12);
    expect(so12Queue.data.deskQueue.edges.map((e: any) => e.node.id)).toContain(r.id);
    expect(codeOf(await gql(Q.report, { id: r.id }, t.inv.so13))).toBe('FORBIDDEN');
    expect((await gql(Q.report, { id: r.id }, t.inv.so12)).errors).toBeUndefined();
    const doc = await findReport(t.app, r.id);
    expect(doc.history.at(-1)).toMatchObject({ action: 'referred', from: { desk: 'SO13', status: 'TRIAGED', assignee: null }, to: { desk: 'SO12', status: 'TRIAGED', assignee: null } });
    expect(await auditEntries(t.app, 'report.refer', r.id)).toEqual([expect.objectContaining({ details: expect.objectContaining({ fromDesk: 'SO13', desk: 'SO12' }) })]);
  });

  it('adds encrypted research notes and records a 3x5x2 grading', async () => {
    const r = await held(t.inv.so13);
    const text = 'Spoke to the letting agent.\nThe flat was paid for in cash, six months up front.';
    const added = await gql(Q.note, { id: r.id, text }, t.inv.so13);
    expect(added.errors).toBeUndefined();
    expect(added.data.addResearchNote.researchNotes).toBeNull(); // no content in mutation results
    const noteId = added.data.addResearchNote.history.at(-1).to;
    expect(JSON.parse(noteId).noteId).toMatch(/^[0-9a-f-]{36}$/);
    const raw = await t.app.deps.database.db.collection('reports').findOne({ _id: r.id as never });
    expect(JSON.stringify(raw)).not.toContain('letting agent');
    expect(raw!.content.researchNotes).toHaveLength(1);

    const read = await gql(Q.report, { id: r.id }, t.inv.so13);
    expect(read.data.report.researchNotes).toEqual([{ id: JSON.parse(noteId).noteId, text }]);

    for (const bad of ['', '   ', 'bell\u0007', 'x'.repeat(10_001)]) {
      expect(codeOf(await gql(Q.note, { id: r.id, text: bad }, t.inv.so13)), JSON.stringify(bad.slice(0, 10))).toBe('BAD_USER_INPUT');
    }
    expect((await gql(Q.note, { id: r.id, text: 'y'.repeat(10_000) }, t.inv.so13)).errors).toBeUndefined();

    const graded = await gql(Q.grade, { id: r.id, s: 'S2', i: 'B', h: 'C' }, t.inv.so13);
    expect(graded.errors).toBeUndefined();
    expect(graded.data.gradeReport.grading).toEqual({ source: 'S2', intelligence: 'B', handling: 'C', gradedBy: t.inv.so13.user.id });
    expect(codeOf(await gql(Q.grade, { id: r.id, s: 'S4', i: 'B', h: 'C' }, t.inv.so13))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(Q.grade, { id: r.id, s: 'S1', i: 'A', h: 'P' }, t.inv.so13b))).toBe('FORBIDDEN');
    const doc = await findReport(t.app, r.id);
    expect(doc.grading).toMatchObject({ source: '2', intelligence: 'B', handling: 'C', by: t.inv.so13.user.id });
    expect(doc.history.at(-1)).toMatchObject({ action: 'graded', from: { grading: null }, to: { grading: '2BC' } });
  });

  it('gives supervisors a queue of failed, escalated and stuck reports, and lets them reassign, reopen and retry triage', async () => {
    const reports = t.app.deps.reports;
    const failed = await recordCall(t.app, t.handler.token, 21);
    await reports.applyChange(await findReport(t.app, failed), {
      where: { status: 'RECEIVED' },
      set: { status: 'TRIAGE_FAILED', triagePending: false },
      history: [{ at: new Date(), actor: { type: 'system', id: 'test' }, action: 'triage_failed', from: { status: 'RECEIVED' }, to: { status: 'TRIAGE_FAILED' }, reason: 'test' }],
    });
    const escalated = await recordCall(t.app, t.handler.token, 22);
    await triageDirectly(t.app, escalated, 'SO12', 'P1', { escalated: true });
    const stuck = await recordCall(t.app, t.handler.token, 23);
    // Stuck for two minutes, the report and its triage job alike (the supervisor queue reads only reports whose job has waited over a minute).
    const stuckSince = Date.now() - 120_000;
    await t.app.deps.database.db.collection('reports').updateOne({ _id: stuck as never }, { $set: { recordedAt: new Date(stuckSince) } });
    const triageQueue = t.app.deps.triageQueues.triage as unknown as { client: { hset(key: string, field: string, value: string): Promise<unknown> }; toKey(id: string): string };
    await triageQueue.client.hset(triageQueue.toKey(stuck), 'timestamp', String(stuckSince));
    const fresh = await recordCall(t.app, t.handler.token, 24);
    const normal = await recordCall(t.app, t.handler.token, 25);
    await triageDirectly(t.app, normal, 'SO12', 'P3');

    const sq = await gql(Q.supervisorQueue, {}, t.sup);
    expect(sq.errors).toBeUndefined();
    const listed = sq.data.supervisorQueue.map((r: any) => r.id);
    expect(listed).toEqual(expect.arrayContaining([failed, escalated, stuck]));
    expect(listed).not.toContain(fresh);
    expect(listed).not.toContain(normal);
    expect(codeOf(await gql(Q.supervisorQueue, {}, t.inv.so12))).toBe('FORBIDDEN');

    // Retry: a TRIAGE_FAILED report goes back to the triage outbox.
    const retried = await gql(Q.reopen, { id: failed, reason: 'rules fixed, try again' }, t.sup);
    expect(retried.errors).toBeUndefined();
    // A mutation's answer opens no sealed reason (only the audited report read does).
    expect(retried.data.reopenReport.history.at(-1)).toEqual({ action: 'triage_retried', reason: null });
    expect(await findReport(t.app, failed)).toMatchObject({ status: 'TRIAGE_FAILED', triagePending: true });
    expect(await t.app.deps.triageQueues.triage.getJob(failed)).not.toBeNull();
    expect(codeOf(await gql(Q.reopen, { id: failed, reason: 'again please' }, t.inv.so12))).toBe('FORBIDDEN');

    // Reassign a held report to another investigator of its desk.
    const r = await held(t.inv.so13);
    const moved = await gql(Q.reassign, { id: r.id, to: t.inv.so13b.username, reason: 'workload' }, t.sup);
    expect(moved.errors).toBeUndefined();
    expect(moved.data.reassignReport).toMatchObject({ status: 'ASSIGNED', assignee: t.inv.so13b.user.id });
    expect(codeOf(await gql(Q.reassign, { id: r.id, to: t.inv.so12.username, reason: 'workload' }, t.sup))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(Q.reassign, { id: r.id, to: 'nobody-here', reason: 'workload' }, t.sup))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(Q.reassign, { id: r.id, to: t.inv.so13.username, reason: 'workload' }, t.inv.so13b))).toBe('FORBIDDEN');
    // The new holder can work on it; the old one no longer can.
    expect(codeOf(await gql(Q.release, { id: r.id, reason: 'not mine now' }, t.inv.so13))).toBe('FORBIDDEN');
    let v = (await findReport(t.app, r.id)).version;
    for (const to of ['UNDER_RESEARCH', 'NO_FURTHER_ACTION', 'CLOSED']) v = (await move(t.inv.so13b, r.id, to, v)).version;

    // Reopen a closed report into its desk's queue.
    expect(codeOf(await gql(Q.reopen, { id: r.id, reason: 'x' }, t.sup))).toBe('BAD_USER_INPUT'); // reason too short
    const reopened = await gql(Q.reopen, { id: r.id, reason: 'new information from SO12' }, t.sup);
    expect(reopened.errors).toBeUndefined();
    expect(reopened.data.reopenReport).toMatchObject({ status: 'TRIAGED', assignee: null, desk: 'SO13' });
    expect((await findReport(t.app, r.id)).closedAt).toBeNull();
    expect(codeOf(await gql(Q.reopen, { id: r.id, reason: 'once more' }, t.sup))).toBe('BAD_USER_INPUT'); // TRIAGED is open
    expect((await gql(Q.verify, { id: r.id }, t.sup)).data.verifyReportHistory.valid).toBe(true);
  });

  it('verifies report histories, and catches an edited, a removed and reordered entries', async () => {
    const r = await held(t.inv.so13);
    await move(t.inv.so13, r.id, 'UNDER_RESEARCH', r.version);
    const verify = async (who: Staff) => {
      const res = await gql(Q.verify, { id: r.id }, who);
      expect(res.errors).toBeUndefined();
      return res.data.verifyReportHistory;
    };
    expect(await verify(t.inv.so13)).toEqual({ valid: true, length: 4, brokenAt: null });
    expect(await verify(t.auditor)).toEqual({ valid: true, length: 4, brokenAt: null });
    expect(codeOf(await gql(Q.verify, { id: r.id }, t.inv.so12))).toBe('FORBIDDEN');
    expect(codeOf(await gql(Q.verify, { id: r.id }, t.handler))).toBe('FORBIDDEN');

    const coll = t.app.deps.database.db.collection<ReportDoc>('reports');
    const original = (await findReport(t.app, r.id)).history;
    const setHistory = (history: HistoryEntry[]) => coll.updateOne({ _id: r.id }, { $set: { history } });

    await coll.updateOne({ _id: r.id }, { $set: { 'history.1.reason': 'nothing to see here' } });
    expect(await verify(t.inv.so13)).toMatchObject({ valid: false, brokenAt: 2 });
    await setHistory(original);
    expect((await verify(t.inv.so13)).valid).toBe(true);

    await setHistory(original.filter((_, i) => i !== 1));
    expect(await verify(t.inv.so13)).toMatchObject({ valid: false, brokenAt: expect.any(Number) });
    await setHistory([original[0]!, original[2]!, original[1]!, original[3]!]);
    expect(await verify(t.inv.so13)).toMatchObject({ valid: false, brokenAt: expect.any(Number) });
    await setHistory([]);
    expect(await verify(t.inv.so13)).toEqual({ valid: false, length: 0, brokenAt: 1 });
    await setHistory(original);
    expect(await verify(t.auditor)).toEqual({ valid: true, length: 4, brokenAt: null });
    const checks = await auditEntries(t.app, 'report.verify_history', r.id);
    expect(checks.filter((c) => c.outcome === 'failure')).toHaveLength(4);
  });

  it('reads content except the caller, auditing the read before returning it; no audit, no content', async () => {
    const caller = { name: 'Priya Informant', phone: '020 7946 0999', email: 'priya@example.org', address: '9 Quiet Lane', mayRecontact: true };
    const r = await held(t.inv.so13, { caller, narrative: 'A white van visits the lock-up at 3am every night.' });
    const res = await gql(Q.report, { id: r.id }, t.inv.so13);
    expect(res.errors).toBeUndefined();
    expect(res.data.report.narrative).toBe('A white van visits the lock-up at 3am every night.');
    const body = JSON.stringify(res.data);
    for (const secret of Object.values(caller).filter((v) => typeof v === 'string')) expect(body).not.toContain(secret);

    const view = await t.app.deps.services.desk.report(await principalOf(t.app, t.inv.so13.token), r.id);
    expect(view.content).not.toHaveProperty('caller');
    expect(view.content?.narrative).toContain('white van');

    const reads = await auditEntries(t.app, 'report.read', r.id);
    expect(reads).toHaveLength(2);
    expect(reads[0]!.actor).toMatchObject({ type: 'user', id: t.inv.so13.user.id });
    // Every content group but the caller, follow-ups and the partner channel included.
    expect(reads[0]!.details.fields).toEqual(['narrative', 'subjects', 'vehicles', 'locations', 'partnerReference', 'researchNotes', 'addenda', 'questions', 'answers', 'callNotes']);
    expect(JSON.stringify(reads)).not.toContain('white van');

    const spy = vi.spyOn(t.app.deps.services.audit, 'record').mockRejectedValueOnce(new AuditWriteError(new Error('audit store unavailable')));
    try {
      const failed = await gql(Q.report, { id: r.id }, t.inv.so13);
      expect(codeOf(failed)).toBe('SERVICE_UNAVAILABLE'); // what the audit log throws when its store fails
      expect(failed.data?.report ?? null).toBeNull();
      expect(JSON.stringify(failed)).not.toContain('white van');
    } finally {
      spy.mockRestore();
    }
    expect(await auditEntries(t.app, 'report.read', r.id)).toHaveLength(2);
  });

  it("shows a link to another desk's report as existing, with its desk, but not its reference", async () => {
    const other = await recordCall(t.app, t.handler.token, 31);
    const otherDoc = await triageDirectly(t.app, other, 'SO13', 'P2');
    const mine = await recordCall(t.app, t.handler.token, 32);
    await triageDirectly(t.app, mine, 'SO12', 'P3', {
      links: [{ reportId: other, reference: otherDoc.reference, reasons: ['vehicle'], desk: 'SO13', at: new Date() }],
    });
    const asInvestigator = await gql(Q.report, { id: mine }, t.inv.so12);
    expect(asInvestigator.errors).toBeUndefined();
    expect(asInvestigator.data.report.links).toEqual([{ reportId: null, reference: null, desk: 'SO13', reasons: ['vehicle'], readable: false }]);
    expect(JSON.stringify(asInvestigator.data)).not.toContain(otherDoc.reference);
    expect(codeOf(await gql(Q.report, { id: other }, t.inv.so12))).toBe('FORBIDDEN');
    const asSupervisor = await gql(Q.report, { id: mine }, t.sup);
    expect(asSupervisor.data.report.links).toEqual([{ reportId: other, reference: otherDoc.reference, desk: 'SO13', reasons: ['vehicle'], readable: true }]);
    // Once the other report is referred to SO12, the link becomes readable there.
    await gql(Q.refer, { id: other, desk: 'SO12', reason: 'same subject as an SO12 report' }, t.sup);
    const after = await gql(Q.report, { id: mine }, t.inv.so12);
    expect(after.data.report.links[0]).toMatchObject({ reference: otherDoc.reference, desk: 'SO12', readable: true });
  });
});
