/**
 * The auditor's CSV cells (quoting, formula injection) and entries in words
 * (names for ids, nothing sealed shown), on the pure functions the export and
 * the screen share.
 */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../src/audit/csv.js';
import { describeEntry, words } from '../../../src/audit/describe.js';
import { ACTION_LABELS } from '../../../src/audit/labels.js';
import { AUDIT_ACTIONS } from '../../../src/audit/actions.js';
import type { AuditEntry } from '../../../src/audit/types.js';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  seq: 7,
  at: new Date('2026-03-04T05:06:07Z'),
  actor: { type: 'user', id: 'u-1' },
  action: 'report.reassign',
  target: { type: 'report', id: 'r-1' },
  outcome: 'success',
  details: {},
  prevHash: 'p',
  hash: 'h',
  ...over,
});
const names = {
  users: new Map([
    ['u-1', 'sup.alice'],
    ['u-2', 'inv.bob'],
  ]),
  partners: new Map([['p-1', 'Borough Prevent']]),
  reports: new Map([['r-1', 'ATH-2026-000042']]),
  knownUsernames: new Set(['inv.bob']),
};

describe('CSV cells', () => {
  it('quotes every cell and doubles quotes inside it', () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell(12)).toBe('"12"');
  });

  it('makes a cell a spreadsheet would run as a formula inert with a leading apostrophe', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${start}SUM(A1:A2)`)).toBe(`"'${start}SUM(A1:A2)"`);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a=b')).toBe('"a=b"');
  });

  it('writes a header and rows with CRLF line ends', () => {
    expect(toCsv(['A', 'B'], [['1', '-2']])).toBe(`"A","B"\r\n"1","'-2"\r\n`);
  });
});

describe('entries in words', () => {
  it('names every action', () => {
    for (const a of AUDIT_ACTIONS) expect(ACTION_LABELS[a]).toMatch(/^[A-Z]/);
  });

  it('names people and the report instead of ids, and leaves sealed reasons and keyed hashes out', () => {
    const w = describeEntry(
      entry({ details: { reference: 'ATH-2026-000042', fromStatus: 'ASSIGNED', toStatus: 'ASSIGNED', desk: 'SO12', fromAssignee: 'u-2', toAssignee: 'u-9', reasonRef: 3, reasonMac: 'mac-value', reasonSealed: 'sealed-value' } }),
      names,
    );
    expect(w).toEqual({
      actionLabel: 'Report reassigned',
      actorLabel: 'sup.alice',
      actorTypeLabel: 'Staff',
      targetLabel: 'Report ATH-2026-000042',
      facts: [
        { label: 'From status', value: 'Assigned' },
        { label: 'To status', value: 'Assigned' },
        { label: 'Desk', value: 'SO12' },
        { label: 'Previous holder', value: 'inv.bob' },
        { label: 'New holder', value: 'an account no longer on record' },
      ],
    });
  });

  it("shows a failed sign-in's typed name only when it names an account", () => {
    const known = describeEntry(entry({ action: 'auth.login', actor: { type: 'anonymous' }, target: null, outcome: 'failure', details: { username: 'inv.bob', reason: 'bad_password' } }), names);
    expect(known.facts).toEqual([
      { label: 'Username', value: 'inv.bob' },
      { label: 'Reason', value: 'Bad password' },
    ]);
    const hashed = describeEntry(entry({ action: 'auth.login', actor: { type: 'anonymous' }, target: null, outcome: 'failure', details: { username: 'a1b2c3d4e5', reason: 'unknown_user' } }), names);
    expect(hashed.facts[0]).toEqual({ label: 'Username', value: 'not kept (no such account)' });
    expect(hashed.actorLabel).toBe('Not signed in');
  });

  it('turns codes, dates, lists and nested filters into words', () => {
    expect(words('releasedReports')).toBe('Released reports');
    const w = describeEntry(
      entry({ action: 'report.search', target: null, details: { search: 'random-id', terms: [{ field: 'subjectName', kind: 'name', blindIndex: 'x', variants: ['y'] }], filters: { desk: 'SO13', status: null }, overlapUntil: '2026-05-01T10:00:00.000Z' } }),
      names,
    );
    expect(w.facts).toEqual([
      { label: 'Searched fields', value: 'Subject name' },
      { label: 'Filters', value: 'Desk: SO13' },
      { label: 'Old key works until', value: '01/05/2026 10:00 UTC' },
    ]);
    expect(describeEntry(entry({ actor: { type: 'partner', id: 'p-1' }, target: { type: 'partner', id: 'p-1' } }), names)).toMatchObject({ actorLabel: 'Borough Prevent', targetLabel: 'Partner Borough Prevent' });
    expect(describeEntry(entry({ actor: { type: 'system', id: 'triage-worker' }, target: { type: 'system', id: 'threatLevel' } }), names)).toMatchObject({ actorLabel: 'Triage worker', targetLabel: 'Threat level' });
  });
});
