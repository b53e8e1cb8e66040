import fc from 'fast-check';
import { Binary, BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { CONTENT_GROUPS, ENCRYPTED_FIELDS, PLAINTEXT_FIELDS } from '../../../src/crypto/encrypted-fields.js';
import { listEncryptedPaths, type EncryptedContent } from '../../../src/crypto/report-codec.js';
import type { ReportContent } from '../../../src/reports/model/content.js';
import { expectDecryptionError, fullReport, makeCrypto, plaintextStrings } from './support.js';

const crypto = await makeCrypto();
const { codec, cipher } = crypto;
const RECORD = 'rep-0001';
const { dataKey } = cipher.newDataKey(RECORD);
const report = fullReport();
const enc = codec.encryptContent(dataKey, RECORD, report);
const secrets = plaintextStrings(report);

/** A deep copy of stored content (Binary leaves shared), to tamper with. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests tamper freely
const copy = (value: EncryptedContent): any =>
  BSON.deserialize(BSON.serialize(value));

describe('the encrypted-field contract', () => {
  it('lists every encrypted field once, and the plaintext ones with a reason', () => {
    const paths = ENCRYPTED_FIELDS.map((field) => field.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual(
      expect.arrayContaining([
        'narrative',
        'caller.name',
        'caller.phone',
        'caller.email',
        'caller.address',
        'caller.preferredContactTimes',
        'caller.language',
        'caller.interpreter',
        'caller.safeContact',
        'caller.leaveMessage',
        'subjects[].name',
        'subjects[].aliases',
        'subjects[].dateOfBirth',
        'subjects[].approximateAge',
        'subjects[].description',
        'subjects[].address',
        'subjects[].phone',
        'vehicles[].registration',
        'vehicles[].make',
        'vehicles[].model',
        'vehicles[].colour',
        'vehicles[].notes',
        'locations[].address',
        'locations[].postcode',
        'locations[].description',
        'partnerReference',
        'researchNotes[id].text',
        'addenda[id].narrative',
        'addenda[id].vehicles[].registration',
        'questions[id].text',
        'answers[id].text',
        'callNotes.emergencyHandOffAt',
        'callNotes.emergencyReference',
        'callNotes.dangerNow',
        'callNotes.where',
        'callNotes.when',
        'callNotes.who',
        'callNotes.vehicles',
        'callNotes.weapons',
        'callNotes.howKnown',
      ]),
    );
    expect(paths).toHaveLength(54);
    for (const field of PLAINTEXT_FIELDS) expect(field.why.length).toBeGreaterThan(5);
    expect(PLAINTEXT_FIELDS.map((f) => f.path)).toEqual(expect.arrayContaining(['status', 'desk', 'priority', 'categories', 'imminentThreat', 'borough', 'caller.mayRecontact', 'researchNotes[id].id']));
  });

  it('puts an envelope at exactly the listed paths, with note ids in note paths', () => {
    expect(listEncryptedPaths(enc)).toEqual(
      [
        'narrative',
        'caller.name',
        'caller.phone',
        'caller.email',
        'caller.address',
        'caller.preferredContactTimes',
        'caller.language',
        'caller.interpreter',
        'caller.safeContact',
        'caller.leaveMessage',
        ...['emergencyHandOffAt', 'emergencyReference', 'dangerNow', 'where', 'when', 'who', 'vehicles', 'weapons', 'howKnown'].map((f) => `callNotes.${f}`),
        ...[0, 1].flatMap((i) =>
          ['name', 'aliases', 'dateOfBirth', 'approximateAge', 'description', 'address', 'phone']
            .filter((field) => (report.subjects[i] as Record<string, unknown>)[field] !== null)
            .map((field) => `subjects.${i}.${field}`),
        ),
        ...['registration', 'make', 'model', 'colour', 'notes'].map((f) => `vehicles.0.${f}`),
        ...['address', 'postcode', 'description'].map((f) => `locations.0.${f}`),
        'partnerReference',
        'researchNotes.note-a.text',
        'researchNotes.note-b.text',
      ].sort(),
    );
    expect(enc.subjects[1]?.dateOfBirth).toBeNull();
    expect(enc.researchNotes.map((n) => n.id)).toEqual(['note-a', 'note-b']);
    expect(enc.narrative).toBeInstanceOf(Binary);
  });

  it('stores no plaintext: the BSON of the content contains none of its strings', () => {
    const stored = Buffer.from(BSON.serialize(enc)).toString('latin1');
    const storedUtf8 = Buffer.from(BSON.serialize(enc)).toString('utf8');
    for (const secret of secrets) {
      expect(storedUtf8).not.toContain(secret);
      expect(stored).not.toContain(Buffer.from(secret, 'utf8').toString('latin1'));
    }
  });

  it('refuses to store a field the contract does not list, without printing it', () => {
    const extra = { ...fullReport(), subjects: [{ name: 'A', nationality: 'Secretland' }] } as unknown as ReportContent;
    expect(() => codec.encryptContent(dataKey, RECORD, extra)).toThrow(/subjects\[\]\.nationality is not in src\/crypto\/encrypted-fields\.ts/);
    try {
      codec.encryptContent(dataKey, RECORD, extra);
    } catch (error) {
      expect((error as Error).message).not.toContain('Secretland');
    }
    const topLevel = { ...fullReport(), summary: 'plain' } as unknown as ReportContent;
    expect(() => codec.encryptContent(dataKey, RECORD, topLevel)).toThrow(/summary/);
  });

  it('lets the documented plaintext leaves through', () => {
    const withFlag = { ...fullReport(), caller: { name: 'C', mayRecontact: true } } as unknown as ReportContent;
    const stored = codec.encryptContent(dataKey, RECORD, withFlag);
    expect((stored.caller as Record<string, unknown>)['mayRecontact']).toBe(true);
    const back = codec.decryptContent(dataKey, RECORD, stored, { fields: ['caller'] });
    expect(back.caller).toEqual({ name: 'C', mayRecontact: true });
  });

  it('rejects wrongly typed values', () => {
    const bad = { ...fullReport(), subjects: [{ aliases: 'not-a-list' }] } as unknown as ReportContent;
    expect(() => codec.encryptContent(dataKey, RECORD, bad)).toThrow(/subjects\.0\.aliases must be a list of strings/);
    const dup = { ...fullReport(), researchNotes: [{ id: 'x', text: 'a' }, { id: 'x', text: 'b' }] };
    expect(() => codec.encryptContent(dataKey, RECORD, dup)).toThrow(/duplicate id/);
  });
});

describe('round trips', () => {
  it('decrypts everything when asked for every group', () => {
    expect(codec.decryptContent(dataKey, RECORD, enc, { fields: CONTENT_GROUPS })).toEqual(report);
  });

  it('leaves the caller out by default, and opens it alone on request', () => {
    const { caller, ...rest } = report;
    const view = codec.decryptContent(dataKey, RECORD, enc);
    expect(view).toEqual(rest);
    expect('caller' in view).toBe(false);
    expect(codec.decryptContent(dataKey, RECORD, enc, { fields: ['caller'] })).toEqual({ caller });
    expect(codec.decryptContent(dataKey, RECORD, enc, { fields: ['narrative', 'vehicles'] })).toEqual({
      narrative: report.narrative,
      vehicles: report.vehicles,
    });
  });

  it('only decrypts what it returns: a broken caller does not break the normal view', () => {
    const broken = copy(enc);
    broken.caller.name = new Binary(new Uint8Array(10), 0);
    expect(() => codec.decryptContent(dataKey, RECORD, broken)).not.toThrow();
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, broken, { fields: ['caller'] }), { fieldPath: 'caller.name' });
  });

  it('round-trips a minimal report and keeps absent and null fields as they were', () => {
    const minimal: ReportContent = { narrative: '', subjects: [], vehicles: [], locations: [], researchNotes: [], caller: null, partnerReference: null };
    const stored = codec.encryptContent(dataKey, RECORD, minimal);
    expect(listEncryptedPaths(stored)).toEqual(['narrative']);
    expect(codec.decryptContent(dataKey, RECORD, stored, { fields: CONTENT_GROUPS })).toEqual(minimal);
  });

  it('survives storage as BSON', () => {
    expect(codec.decryptContent(dataKey, RECORD, copy(enc), { fields: CONTENT_GROUPS })).toEqual(report);
  });

  it('round-trips arbitrary text in every kind of field', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 80 });
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 3 }), text, (narrative, name, aliases, note) => {
        const content: ReportContent = {
          narrative,
          caller: { name, phone: name },
          subjects: [{ name, aliases }],
          vehicles: [{ registration: name, notes: note }],
          locations: [{ postcode: name }],
          partnerReference: name,
          researchNotes: [{ id: 'n', text: note }],
        };
        const stored = codec.encryptContent(dataKey, RECORD, content);
        expect(codec.decryptContent(dataKey, RECORD, stored, { fields: CONTENT_GROUPS })).toEqual(content);
      }),
      { numRuns: 60 },
    );
  });
});

describe('research notes', () => {
  it('appends a note later, addressed by its id, and survives reordering', () => {
    const note = { id: 'note-c', text: 'Added after triage.' };
    const sealed = codec.encryptNote(dataKey, RECORD, note);
    expect(sealed.id).toBe('note-c');
    expect(sealed.text).toBeInstanceOf(Binary);
    expect(codec.decryptNote(dataKey, RECORD, sealed)).toEqual(note);

    const appended = copy(enc);
    appended.researchNotes = [sealed, ...appended.researchNotes].reverse();
    const back = codec.decryptContent(dataKey, RECORD, appended, { fields: ['researchNotes'] });
    expect(back.researchNotes).toEqual([report.researchNotes[1], report.researchNotes[0], note]);
  });

  it('a note text moved to another note fails', () => {
    const swapped = copy(enc);
    const [a, b] = swapped.researchNotes;
    [a.text, b.text] = [b.text, a.text];
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, swapped), { fieldPath: 'researchNotes.note-a.text' }, secrets);
  });
});

describe('tampering with stored content', () => {
  it('an envelope swapped between two subjects fails', () => {
    const swapped = copy(enc);
    [swapped.subjects[0].name, swapped.subjects[1].name] = [swapped.subjects[1].name, swapped.subjects[0].name];
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, swapped), { recordId: RECORD, fieldPath: 'subjects.0.name' }, secrets);
  });

  it('an envelope moved to another field of the same subject fails', () => {
    const moved = copy(enc);
    moved.subjects[0].description = moved.subjects[0].address;
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, moved), { fieldPath: 'subjects.0.description' }, secrets);
  });

  it('reordered subjects fail (positions are bound)', () => {
    const reordered = copy(enc);
    reordered.subjects.reverse();
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, reordered), { recordId: RECORD }, secrets);
  });

  it("content copied to another record fails, even with that record's data key", () => {
    const other = cipher.newDataKey('rep-0002').dataKey;
    expectDecryptionError(() => codec.decryptContent(dataKey, 'rep-0002', enc), { recordId: 'rep-0002' }, secrets);
    expectDecryptionError(() => codec.decryptContent(other, 'rep-0002', enc), { recordId: 'rep-0002' }, secrets);
  });

  it('a plaintext value where an envelope belongs is refused (no downgrade)', () => {
    const downgraded = copy(enc);
    downgraded.vehicles[0].registration = 'XX99 XXX';
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, downgraded), { fieldPath: 'vehicles.0.registration', reason: /not a binary envelope/ }, ['XX99 XXX']);
  });

  it('a field outside the contract in stored content is refused', () => {
    const extended = copy(enc);
    extended.subjects[0].nationality = 'Secretland';
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, extended), { fieldPath: 'subjects.0.nationality' }, ['Secretland']);
  });

  it('a malformed document or a missing required group is an integrity failure', () => {
    const malformed = copy(enc);
    malformed.subjects = 'nope';
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, malformed), { fieldPath: 'subjects' });
    const missing = copy(enc);
    delete missing.narrative;
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, missing), { fieldPath: 'narrative', reason: /missing/ });
  });

  it('a corrupted alias list is an integrity failure, not a crash', () => {
    const corrupted = copy(enc);
    corrupted.subjects[0].aliases = cipher.encryptField(dataKey, RECORD, 'subjects.0.aliases', 'not json');
    expectDecryptionError(() => codec.decryptContent(dataKey, RECORD, corrupted), { fieldPath: 'subjects.0.aliases', reason: /invalid list encoding/ });
  });
});
