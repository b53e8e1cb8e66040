/**
 * The call handler's aids as stored and read: the 999 hand-off and the
 * question prompts' answers (`callNotes`), and the caller's language,
 * interpreter and safe-to-contact notes (in the `caller` group). All of it is
 * report content: sealed in the stored document, covered by the envelope MAC,
 * shown on an audited read (the caller's part only on the audited reveal),
 * and held to the intake limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk, Role } from '../../src/auth/types.js';
import type { ReportDoc } from '../../src/reports/model/types.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, recordCall, triageDirectly } from '../support/desk.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';

type Staff = Awaited<ReturnType<typeof createStaff>>;

let app: TestApp;
let handler: Staff;
let investigator: Staff;

beforeAll(async () => {
  app = await bootApp();
  const staff = (role: Role, desk: Desk | null = null) => createStaff(app, role, desk);
  [handler, investigator] = await Promise.all([staff('CALL_HANDLER'), staff('INVESTIGATOR', 'SO13')]);
});
afterAll(() => app?.close());

const raw = (id: string) => app.deps.database.db.collection<ReportDoc>('reports').findOne({ _id: id });
const HAND_OFF_AT = new Date(Date.now() - 4 * 60_000);
const NOTES = {
  emergencyHandOff: { at: HAND_OFF_AT.toISOString(), reference: 'CAD 4471-Quillfeather' },
  dangerNow: 'Nobody in danger this minute according to Ottoline',
  where: 'the yard behind the Marrowbone launderette',
  when: 'every Tuesday about nine at night',
  who: 'two brothers from the Pellucid Court flats',
  vehicles: 'a green Bedford with a cracked windscreen',
  weapons: 'something like a crossbow wrapped in sacking',
  howKnown: 'sees it from her kitchen window on Wistful Row',
};
const CALLER_AIDS = { language: 'Tigrinya-Zanzibarish', interpreter: 'Language Line interpreter 40417-Q', safeContact: 'only Ottoline; never the brother Quintus', mayLeaveMessage: false };

const READ = `query($id: ID!) { report(id: $id) { id anonymous callerDetailsRecorded
  callNotes { emergencyHandOff { at reference } dangerNow where when who vehicles weapons howKnown } } }`;
const REVEAL = `mutation($id: ID!, $reason: String!) { revealCaller(reportId: $id, reason: $reason) { name phone language interpreter safeContact mayLeaveMessage } }`;

async function routed(overrides: Record<string, unknown>): Promise<string> {
  const id = await recordCall(app, handler.token, 1, { categories: ['STORAGE'], ...overrides });
  await triageDirectly(app, id, 'SO13', 'P3');
  return id;
}

describe('the 999 hand-off and the question prompts (callNotes)', () => {
  it('stores them sealed: no plaintext in the stored document, an envelope per answer under the envelope MAC', async () => {
    const id = await routed({ callNotes: NOTES, caller: { name: 'Ottoline Brackwater', mayRecontact: false, ...CALLER_AIDS } });
    const doc = await raw(id);
    const dump = JSON.stringify(doc);
    for (const value of [...Object.values(NOTES).filter((v) => typeof v === 'string'), NOTES.emergencyHandOff.reference, HAND_OFF_AT.toISOString(), 'Ottoline Brackwater', CALLER_AIDS.language, CALLER_AIDS.interpreter, CALLER_AIDS.safeContact]) {
      expect(dump, value as string).not.toContain(value as string);
    }
    const parts = (doc!.envelopeParts ?? []).map((p) => p.slice(0, p.lastIndexOf(':')));
    for (const field of ['emergencyHandOffAt', 'emergencyReference', 'dangerNow', 'where', 'when', 'who', 'vehicles', 'weapons', 'howKnown']) {
      expect(parts).toContain(`content.callNotes.${field}`);
    }
    for (const field of ['language', 'interpreter', 'safeContact', 'leaveMessage']) expect(parts).toContain(`content.caller.${field}`);
  });

  it('shows them to an investigator of the desk on the audited read, not the caller group', async () => {
    const id = await routed({ callNotes: NOTES });
    const res = await app.gql(READ, { id }, investigator.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.report.callNotes).toEqual({
      ...NOTES,
      emergencyHandOff: { at: HAND_OFF_AT.toISOString(), reference: NOTES.emergencyHandOff.reference },
    });
    const reads = await auditEntries(app, 'report.read', id);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.details.fields).toContain('callNotes');
    expect(reads[0]!.details.fields).not.toContain('caller');
  });

  it('notes a hand-off with no time given at the time the call is recorded, and leaves the group out when nothing was noted', async () => {
    const before = Date.now();
    const id = await routed({ callNotes: { emergencyHandOff: {} } });
    const res = await app.gql(READ, { id }, investigator.token);
    const at = new Date(res.data.report.callNotes.emergencyHandOff.at).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    expect(res.data.report.callNotes.emergencyHandOff.reference).toBeNull();

    const none = await routed({ callNotes: { dangerNow: '   ', emergencyHandOff: null } });
    expect((await raw(none))!.content).not.toHaveProperty('callNotes');
    expect((await app.gql(READ, { id: none }, investigator.token)).data.report.callNotes).toBeNull();
  });

  it('holds the answers to the intake limits, naming the field and never the value', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ callNotes: { weapons: 'x'.repeat(2001) } }, 'input.callNotes.weapons must be at most 2000 characters'],
      [{ callNotes: { emergencyHandOff: { reference: 'CAD\n77' } } }, 'input.callNotes.emergencyHandOff.reference must be a single line'],
      [{ callNotes: { emergencyHandOff: { reference: 'R'.repeat(201) } } }, 'input.callNotes.emergencyHandOff.reference must be at most 200 characters'],
      [{ callNotes: { emergencyHandOff: { at: new Date(Date.now() + 3600_000).toISOString() } } }, 'input.callNotes.emergencyHandOff.at emergencyHandOff.at is in the future'],
      [{ callNotes: { howKnown: 'bell\u0007' } }, 'input.callNotes.howKnown contains a control character'],
      [{ caller: { mayRecontact: false, safeContact: 's'.repeat(2001) } }, 'input.caller.safeContact must be at most 2000 characters'],
      [{ caller: { mayRecontact: false, language: 'L'.repeat(201) } }, 'input.caller.language must be at most 200 characters'],
    ];
    for (const [overrides, message] of cases) {
      const res = await app.gql(RECORD_CALL, { input: hotlineCall(2, overrides) }, handler.token);
      expect(codeOf(res), message).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message).toBe(message);
    }
  });
});

describe("the caller's language, interpreter and safe-to-contact notes", () => {
  it('keeps a caller who gave only a language anonymous, and shows those details only on the audited reveal', async () => {
    const id = await routed({ caller: { mayRecontact: false, ...CALLER_AIDS } });
    expect((await raw(id))!.anonymous).toBe(true);
    const read = await app.gql(READ, { id }, investigator.token);
    expect(read.data.report).toMatchObject({ anonymous: true, callerDetailsRecorded: true });
    expect(JSON.stringify(read)).not.toContain(CALLER_AIDS.language);

    const reveal = await app.gql(REVEAL, { id, reason: 'arranging an interpreter for a callback' }, investigator.token);
    expect(reveal.errors).toBeUndefined();
    expect(reveal.data.revealCaller).toEqual({ name: null, phone: null, ...CALLER_AIDS });
    expect(await auditEntries(app, 'report.reveal_caller', id)).toHaveLength(1);
  });

  it('still makes a caller who gave a name identified, with the message permission read back', async () => {
    const id = await routed({ caller: { name: 'Ottoline Brackwater', mayRecontact: false, mayLeaveMessage: true } });
    expect((await raw(id))!.anonymous).toBe(false);
    const reveal = await app.gql(REVEAL, { id, reason: 'arranging an interpreter for a callback' }, investigator.token);
    expect(reveal.data.revealCaller).toMatchObject({ name: 'Ottoline Brackwater', language: null, mayLeaveMessage: true });
  });

  it('says a call with no caller block has no caller details', async () => {
    const id = await routed({ caller: null });
    const read = await app.gql(READ, { id }, investigator.token);
    expect(read.data.report).toMatchObject({ anonymous: true, callerDetailsRecorded: false });
    const reveal = await app.gql(REVEAL, { id, reason: 'arranging an interpreter for a callback' }, investigator.token);
    expect(codeOf(reveal)).toBe('NOT_FOUND');
  });
});
