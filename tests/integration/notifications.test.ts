/**
 * In-service notifications on the real services: a reassignment tells the
 * new holder (and nobody else); a confirmed link tells the holder of the
 * earlier report; the SLA check warns the holder of a report taken but not
 * started; a follow-up history entry written through the real report writer
 * tells the holder; read/unread state and counts; the live SSE stream; and a
 * retried event notifies once. Triage is driven by hand (no worker) so that
 * the order of filing is the test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageProcessorOf } from '../../src/worker.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { codeOf, findReport, principalOf, Q, recordCall } from '../support/desk.js';

/** A staff member's user id (from their session). */
const userIdOf = async (token: string) => {
  const p = await principalOf(app, token);
  if (p.kind !== 'staff') throw new Error('not staff');
  return p.userId;
};

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
let alice: { token: string; userId: string; username: string };
let bob: { token: string; userId: string; username: string };

const LIST = `query($unreadOnly: Boolean, $first: Int, $after: String) {
  myNotifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    unreadCount
    edges { cursor node { id kind reportId reference at read } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const MARK = `mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`;
const MARK_ALL = `mutation { markAllNotificationsRead }`;

async function investigator() {
  const s = await createStaff(app, 'INVESTIGATOR', 'SO13');
  return { ...s, userId: await userIdOf(s.token) };
}

beforeAll(async () => {
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR', 'SO13');
  alice = await investigator();
  bob = await investigator();
});
afterAll(() => app?.close());

const processor = () => triageProcessorOf(app.deps);

/** A call routed to SO13 (hostile reconnaissance) whose only linkable value is its vehicle. */
async function routedCall(i: number, registration: string) {
  const id = await recordCall(app, handler.token, i, { categories: ['HOSTILE_RECONNAISSANCE'], subjects: [], locations: [], vehicles: [{ registration }] });
  expect(await processor().route(id)).toBe('routed');
  return id;
}

async function inbox(token: string, vars: Record<string, unknown> = {}) {
  const res = await app.gql(LIST, vars, token);
  expect(res.errors).toBeUndefined();
  return res.data.myNotifications as { unreadCount: number; edges: { cursor: string; node: any }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** Opens the notificationAdded stream over SSE; `next()` waits for the first payload. */
async function openStream(token: string) {
  const controller = new AbortController();
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'subscription { notificationAdded { id kind reportId reference at read } }' }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    status: res.status,
    async next(timeoutMs = 10_000): Promise<any> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const split = buffer.indexOf('\n\n');
        if (split >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (data && !/(^|\n)event: complete/.test(block)) return JSON.parse(data);
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no SSE event in time');
        const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
        if (chunk?.done) throw new Error('stream ended');
        if (chunk) buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close() {
      controller.abort();
      reader.cancel().catch(() => {});
    },
  };
}

describe('notifications', () => {
  it('tells the new holder of a reassignment, live over SSE, and nobody else', async () => {
    const id = await routedCall(1, 'NT01 AAA');
    const stream = await openStream(alice.token);
    expect(stream.status).toBe(200);
    try {
      const bobBefore = (await inbox(bob.token)).edges.length;
      const res = await app.gql(Q.reassign, { id, to: alice.username, reason: 'Alice knows this vehicle' }, supervisor.token);
      expect(res.errors).toBeUndefined();
      const live = await stream.next();
      const { reference } = await findReport(app, id);
      expect(live.data.notificationAdded).toMatchObject({ kind: 'REASSIGNED', reportId: id, reference, read: false });
      const mine = await inbox(alice.token);
      expect(mine.edges.map((e) => e.node)).toContainEqual(expect.objectContaining({ id: live.data.notificationAdded.id, kind: 'REASSIGNED', reportId: id, reference }));
      // Minute precision, no content: exactly the fields a notification has.
      const stored = await app.deps.database.db.collection('notifications').findOne({ _id: live.data.notificationAdded.id } as never);
      expect(Object.keys(stored!).sort()).toEqual(['_id', 'at', 'event', 'kind', 'read', 'reference', 'reportId', 'seq', 'userId']);
      expect((stored!.at as Date).getTime() % 60_000).toBe(0);
      expect((await inbox(bob.token)).edges.length).toBe(bobBefore);
    } finally {
      stream.close();
    }
  });

  it('tells the holder when a new report is linked to one they hold; a retried link notifies once', async () => {
    const held = await routedCall(2, 'LK70 ABC');
    const claim = await app.gql(Q.claim, { id: held }, bob.token);
    expect(claim.errors).toBeUndefined();
    const before = await inbox(bob.token);
    const aliceBefore = (await inbox(alice.token)).edges.length;

    const later = await routedCall(3, 'lk70abc');
    const after = await inbox(bob.token);
    const links = after.edges.filter((e) => e.node.kind === 'LINK_ADDED');
    expect(links).toHaveLength(1);
    expect(links[0]!.node).toMatchObject({ reportId: held, reference: (await findReport(app, held)).reference, read: false });
    expect(after.unreadCount).toBe(before.unreadCount + 1);
    expect((await inbox(alice.token)).edges.length).toBe(aliceBefore);

    // The same link confirmed again (a retried triage job): no second notification.
    const edge = await app.deps.reports.findLinkEdge(held, later);
    expect(edge).toBeTruthy();
    await app.deps.services.notifications.linksConfirmed([{ doc: await findReport(app, held), edgeId: edge!._id }]);
    const again = await inbox(bob.token);
    expect(again.edges.filter((e) => e.node.kind === 'LINK_ADDED')).toHaveLength(1);
    expect(again.unreadCount).toBe(after.unreadCount);
  });

  it('warns the holder of a report taken but not started as its deadline nears, once', async () => {
    const id = await routedCall(4, 'SL24 AAA');
    expect((await app.gql(Q.claim, { id }, alice.token)).errors).toBeUndefined();
    const dueBy = (await findReport(app, id)).triage!.dueBy;
    const warnings = async () => (await inbox(alice.token, { first: 100 })).edges.filter((e) => e.node.kind === 'SLA_WARNING' && e.node.reportId === id);

    // Well before the warning period: nothing.
    expect(await app.deps.services.notifications.warnSla(new Date(dueBy.getTime() - 60 * 60_000))).toBe(0);
    expect(await warnings()).toHaveLength(0);
    // Inside it (NOTIFY_SLA_WARNING_MINUTES, default 15): one warning, and the check run again adds none.
    const inside = new Date(dueBy.getTime() - 5 * 60_000);
    // (Other held reports of this file fall inside it too: the count covers them.)
    expect(await app.deps.services.notifications.warnSla(inside)).toBeGreaterThanOrEqual(1);
    expect(await warnings()).toHaveLength(1);
    expect(await app.deps.services.notifications.warnSla(inside)).toBe(0);
    expect(await warnings()).toHaveLength(1);
  });

  it('does not warn once the holder has started the research', async () => {
    const id = await routedCall(5, 'SL24 BBB');
    expect((await app.gql(Q.claim, { id }, alice.token)).errors).toBeUndefined();
    const doc = await findReport(app, id);
    expect((await app.gql(Q.transition, { id, to: 'UNDER_RESEARCH', reason: '', v: doc.version }, alice.token)).errors).toBeUndefined();
    await app.deps.services.notifications.warnSla(new Date(doc.triage!.dueBy.getTime() - 60_000));
    const all = (await inbox(alice.token, { first: 100 })).edges;
    expect(all.filter((e) => e.node.kind === 'SLA_WARNING' && e.node.reportId === id)).toHaveLength(0);
  });

  it('tells the holder of a follow-up written through the report writer (and not its author)', async () => {
    // The follow-up mutation is another part of this issue: this writes its history entry through the real writer.
    const id = await routedCall(6, 'FU11 AAA');
    expect((await app.gql(Q.claim, { id }, bob.token)).errors).toBeUndefined();
    const handlerId = await userIdOf(handler.token);
    const doc = await findReport(app, id);
    const updated = await app.deps.writer.apply(doc, { history: [{ at: new Date(), actor: { type: 'user', id: handlerId }, action: 'follow_up_recorded', from: null, to: { addendum: 1 }, reason: null }] }, []);
    expect(updated).not.toBeNull();
    // The hook run again on the same change (a retry) adds nothing.
    await app.deps.services.notifications.afterChange(doc, updated!);
    const followUps = (await inbox(bob.token, { first: 100 })).edges.filter((e) => e.node.kind === 'FOLLOW_UP' && e.node.reportId === id);
    expect(followUps).toHaveLength(1);
    // A partner's answer likewise.
    const answered = await app.deps.writer.apply(updated!, { history: [{ at: new Date(), actor: { type: 'partner', id: 'p' }, action: 'partner_answered', from: null, to: { question: 1 }, reason: null }] }, []);
    expect(answered).not.toBeNull();
    expect((await inbox(bob.token, { first: 100 })).edges.filter((e) => e.node.kind === 'PARTNER_ANSWER' && e.node.reportId === id)).toHaveLength(1);
  });

  it('keeps read/unread state: counts, unreadOnly, mark some, mark all, paging newest first', async () => {
    const carol = await investigator();
    for (let i = 0; i < 3; i++) {
      const id = await routedCall(20 + i, `RD0${i} XYZ`);
      expect((await app.gql(Q.reassign, { id, to: carol.username, reason: 'Spread the work' }, supervisor.token)).errors).toBeUndefined();
    }
    const all = await inbox(carol.token);
    expect(all.unreadCount).toBe(3);
    expect(all.edges.map((e) => e.node.read)).toEqual([false, false, false]);
    // Newest first, and paging continues where the page ended.
    const first = await inbox(carol.token, { first: 2 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await inbox(carol.token, { first: 2, after: first.pageInfo.endCursor });
    expect([...first.edges, ...second.edges].map((e) => e.node.id)).toEqual(all.edges.map((e) => e.node.id));
    expect(second.pageInfo.hasNextPage).toBe(false);

    const marked = await app.gql(MARK, { ids: [all.edges[1]!.node.id] }, carol.token);
    expect(marked.errors).toBeUndefined();
    expect(marked.data.markNotificationsRead).toBe(2);
    const unread = await inbox(carol.token, { unreadOnly: true });
    expect(unread.edges.map((e) => e.node.id)).toEqual([all.edges[0]!.node.id, all.edges[2]!.node.id]);

    // Someone else's notification id is refused, and marks nothing.
    expect(codeOf(await app.gql(MARK, { ids: [all.edges[0]!.node.id] }, alice.token))).toBe('BAD_USER_INPUT');
    expect((await inbox(carol.token)).unreadCount).toBe(2);

    const allRead = await app.gql(MARK_ALL, {}, carol.token);
    expect(allRead.data.markAllNotificationsRead).toBe(0);
    expect((await inbox(carol.token, { unreadOnly: true })).edges).toEqual([]);
    expect((await inbox(carol.token)).edges.map((e) => e.node.read)).toEqual([true, true, true]);
  });

  it('is for those who hold reports: call handlers are refused by the policy', async () => {
    expect(codeOf(await app.gql(LIST, {}, handler.token))).toBe('FORBIDDEN');
  });
});
