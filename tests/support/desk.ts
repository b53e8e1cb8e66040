/**
 * Helpers for desk-work tests: record reports through the real API, route
 * them (by waiting for the real triage worker, or directly when a test needs
 * a given desk and priority), read the audit log, and listen to the SSE
 * subscription.
 */
import { expect } from 'vitest';
import type { Desk, Principal } from '../../src/auth/types.js';
import type { ReportDoc, ReportLink, ReportStatus, Priority } from '../../src/reports/model/types.js';
import type { TestApp } from './app.js';
import { hotlineCall, RECORD_CALL } from './payloads.js';
import { waitFor } from './spawn.js';

export const REPORT_FIELDS = `id reference status desk priority assignee version escalated anonymous narrative
  grading { source intelligence handling gradedBy }
  links { reportId reference desk reasons readable }
  history { seq action actorType actorId actorName from to reason hash }
  researchNotes { id text }`;

export const Q = {
  queue: `query($desk: Desk!, $first: Int, $after: String) {
    deskQueue(desk: $desk, first: $first, after: $after) {
      edges { cursor node { id reference priority receivedAt status narrative } }
      pageInfo { hasNextPage endCursor }
    }
  }`,
  report: `query($id: ID!) { report(id: $id) { ${REPORT_FIELDS} } }`,
  verify: `query($id: ID!) { verifyReportHistory(id: $id) { valid length brokenAt } }`,
  supervisorQueue: `{ supervisorQueue { id status escalated } }`,
  callerReveals: `query($first: Int, $after: String) {
    callerReveals(first: $first, after: $after) { edges { cursor node { seq at actorId actorName reportId reference reason } } pageInfo { hasNextPage endCursor } }
  }`,
  claimNext: `mutation($desk: Desk!) { claimNextReport(desk: $desk) { id status assignee version } }`,
  claim: `mutation($id: ID!) { claimReport(id: $id) { id status assignee version history { action } } }`,
  release: `mutation($id: ID!, $reason: String!) { releaseReport(id: $id, reason: $reason) { id status assignee version } }`,
  transition: `mutation($id: ID!, $to: ReportStatus!, $reason: String!, $v: Int!, $outcome: CloseOutcome) {
    transitionReport(id: $id, to: $to, reason: $reason, expectedVersion: $v, outcome: $outcome) { id status version narrative history { action from to reason } }
  }`,
  note: `mutation($id: ID!, $text: String!) { addResearchNote(id: $id, text: $text) { id version narrative researchNotes { id } history { action to } } }`,
  grade: `mutation($id: ID!, $s: SourceEvaluation!, $i: IntelligenceAssessment!, $h: HandlingCode!) {
    gradeReport(id: $id, source: $s, intelligence: $i, handling: $h) { id grading { source intelligence handling gradedBy } }
  }`,
  refer: `mutation($id: ID!, $desk: Desk!, $reason: String!) { referReport(id: $id, toDesk: $desk, reason: $reason) { id status desk assignee } }`,
  reassign: `mutation($id: ID!, $to: String!, $reason: String!) { reassignReport(id: $id, toUsername: $to, reason: $reason) { id status assignee } }`,
  reopen: `mutation($id: ID!, $reason: String!) { reopenReport(id: $id, reason: $reason) { id status assignee desk history { action reason } } }`,
  reveal: `mutation($id: ID!, $reason: String!) { revealCaller(reportId: $id, reason: $reason) { name phone email address mayRecontact preferredContactTimes } }`,
  erase: `mutation($id: ID!, $reason: String!) { eraseReport(id: $id, reason: $reason) { id status narrative history { action reason } } }`,
};

/** The outcome closing needs (reports/model/outcomes.ts), for tests that close a report but are about something else. */
export const closingOutcome = (to: string) => (to === 'CLOSED' ? { outcome: 'NO_TRACE' } : {});

/** Records a hotline call through the API; returns its id. */
export async function recordCall(app: TestApp, token: string, i: number, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await app.gql(RECORD_CALL, { input: hotlineCall(i, overrides) }, token);
  expect(res.errors).toBeUndefined();
  return res.data.recordHotlineCall.id;
}

export const findReport = (app: TestApp, id: string) => app.deps.reports.findById(id) as Promise<ReportDoc>;

/** Waits until the report reaches `status` (e.g. routed by the real triage worker). */
export async function waitForStatus(app: TestApp, id: string, status: ReportStatus, timeoutMs = 15_000): Promise<ReportDoc> {
  await waitFor(async () => (await findReport(app, id))?.status === status, timeoutMs, `report ${id} ${status}`);
  return findReport(app, id);
}

/**
 * Routes a RECEIVED report to a chosen desk and priority as the triage
 * worker would (one guarded update with its history entry). For tests that
 * need a given queue order; boot those apps without the worker.
 */
export async function triageDirectly(app: TestApp, id: string, desk: Desk, priority: Priority, extra: { links?: ReportLink[]; escalated?: boolean } = {}) {
  const doc = await findReport(app, id);
  const now = new Date();
  const updated = await app.deps.reports.applyChange(doc, {
    where: { status: 'RECEIVED' },
    set: {
      status: 'TRIAGED',
      desk,
      priority,
      triagePending: false,
      escalated: extra.escalated ?? false,
      triage: { ruleSetVersion: 'test', reasons: ['test'], decidedAt: now, dueBy: new Date(now.getTime() + 3600_000) },
      ...(extra.links ? { links: extra.links } : {}),
    },
    history: [{ at: now, actor: { type: 'system', id: 'test-triage' }, action: 'triaged', from: { status: 'RECEIVED' }, to: { status: 'TRIAGED', desk, priority }, reason: 'test' }],
  });
  expect(updated).not.toBeNull();
  return updated!;
}

/** The principal behind a bearer token, for calling a service directly. */
export async function principalOf(app: TestApp, token: string): Promise<Principal> {
  const p = await app.deps.services.auth.authenticate(token);
  expect(p).not.toBeNull();
  return p!;
}

export const auditEntries = async (app: TestApp, action: string, targetId?: string) =>
  (await app.deps.services.audit.query({ action, ...(targetId ? { targetId } : {}) }, { first: 100 })).entries;

export const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

/**
 * Opens the deskQueueChanged subscription (or another, `query`, such as
 * supervisionChanged with no desk) over SSE and returns the first `next`
 * events as they arrive.
 */
export const openDeskStream = (app: TestApp, token: string, desk: Desk | null, query = `subscription($desk: Desk!) { deskQueueChanged(desk: $desk) { desk reportId kind at } }`) =>
  openSubscription(app, token, query, desk ? { desk } : {});

/** Opens any subscription over SSE; `next(count)` returns the first `count` payloads as they arrive. */
export async function openSubscription(app: TestApp, token: string, query: string, variables: Record<string, unknown> = {}) {
  const controller = new AbortController();
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const payloads: any[] = [];

  /** Reads until `count` payloads (`next` data or errors) have arrived, or the timeout. */
  async function next(count = 1, timeoutMs = 10_000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (payloads.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms (got ${payloads.length})`);
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
      if (chunk === null) continue;
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        // `event: next` carries a result (data or errors); `complete` ends the stream; `:` lines are pings.
        if (data && !/(^|\n)event: complete/.test(block)) payloads.push(JSON.parse(data));
      }
    }
    return payloads.slice(0, count);
  }

  /** Reads to the end; true when the server ended the stream within the timeout. */
  async function ended(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
      if (chunk?.done) return true;
    }
  }

  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    next,
    ended,
    close() {
      controller.abort();
      reader.cancel().catch(() => {});
    },
  };
}
