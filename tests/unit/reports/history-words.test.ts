/**
 * The history in words (src/reports/desk/history-words.ts): every action a
 * change can write has its words, holders are named by username, and the
 * ids an entry carries (notes, follow-ups, links, keys, users) never reach
 * the sentence.
 */
import { describe, expect, it } from 'vitest';
import { HISTORY_ACTIONS } from '../../../src/reports/desk/change.js';
import { ACTION_WORDS, describeActor, describeHistoryEntry, userIdsIn } from '../../../src/reports/desk/history-words.js';

const ALICE = '5b0c7f8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';
const BOB = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
const names = new Map([
  [ALICE, 'alice'],
  [BOB, 'bob'],
]);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('history in words', () => {
  it('has words for every action a desk change writes', () => {
    expect(Object.values(HISTORY_ACTIONS).filter((action) => !(action in ACTION_WORDS))).toEqual([]);
  });

  it('names holders by username and leaves ids out', () => {
    expect(describeHistoryEntry({ action: 'reassigned', from: { status: 'ASSIGNED', assignee: ALICE }, to: { status: 'ASSIGNED', assignee: BOB } }, names)).toBe(
      'Reassigned; holder from alice to bob',
    );
    expect(describeHistoryEntry({ action: 'released', from: { status: 'UNDER_RESEARCH', assignee: ALICE }, to: { status: 'TRIAGED', assignee: null } }, names)).toBe(
      'Released to the queue; status from Under research to Triaged; holder from alice to nobody',
    );
    for (const entry of [
      { action: 'note_added', from: null, to: { noteId: ALICE } },
      { action: 'follow_up_recorded', from: null, to: { addendumId: BOB } },
      { action: 'linked', from: null, to: { link: ALICE, reasons: ['vehicle', 'phone'] } },
      { action: 'key_rewrapped', from: { masterKeyId: 'mk-1' }, to: { masterKeyId: 'mk-2' } },
      { action: 'claimed', from: { status: 'TRIAGED', assignee: null }, to: { status: 'ASSIGNED', assignee: ALICE } },
    ]) {
      const words = describeHistoryEntry(entry);
      expect(words).not.toMatch(UUID);
      expect(words).not.toMatch(/noteId|addendumId|masterKeyId|mk-\d|assignee|link\b/);
    }
    expect(describeHistoryEntry({ action: 'linked', from: null, to: { link: ALICE, reasons: ['vehicle', 'phone'] } })).toBe(
      'Linked to another report by triage; shared: a vehicle, a phone number',
    );
    // A supervisor's link by hand, and an investigator's judgement on one, each say who: never "by a supervisor" for an investigator's.
    expect(describeHistoryEntry({ action: 'linked_manually', from: null, to: { link: ALICE, manual: true } })).toBe('Linked to another report by a supervisor');
    expect(describeHistoryEntry({ action: 'linked_manually', from: null, to: { link: ALICE, manual: true, review: 'proposed' } })).toBe('Linked to another report by an investigator');
    expect(describeHistoryEntry({ action: 'linked_manually', from: null, to: { link: ALICE, manual: true, review: 'confirmed' } })).toBe('Possible link to another report confirmed by an investigator');
    expect(describeHistoryEntry({ action: 'unlinked', from: null, to: { link: ALICE, manual: false, review: 'wrong' } })).toBe('Possible link to another report marked wrong by an investigator');
    // Without a resolved name, a holder is "a staff member", never their id.
    expect(describeHistoryEntry({ action: 'claimed', from: { assignee: null }, to: { assignee: ALICE } })).toBe('Claimed; holder from nobody to a staff member');
  });

  it('says what came of a closed report, and what a reopening undid', () => {
    expect(describeHistoryEntry({ action: 'status_changed', from: { status: 'REFERRED' }, to: { status: 'CLOSED', outcome: 'PASSED_TO_BOROUGH' } })).toBe(
      'Status changed; status from Referred to Closed; outcome: Passed to a borough',
    );
    expect(describeHistoryEntry({ action: 'reopened', from: { status: 'CLOSED', assignee: null, outcome: 'NO_TRACE' }, to: { status: 'TRIAGED', assignee: null } })).toBe(
      'Reopened; status from Closed to Triaged; outcome was No trace',
    );
  });

  it('names actors in words and lists the user ids to resolve', () => {
    expect(describeActor({ type: 'user', id: ALICE, name: 'alice' })).toBe('alice');
    expect(describeActor({ type: 'user', id: BOB }, names)).toBe('bob');
    expect(describeActor({ type: 'system', id: 'triage-worker' })).toBe('The system');
    expect(describeActor({ type: 'partner', id: ALICE })).toBe('The referring partner');
    const history = [
      { actor: { type: 'user' as const, id: BOB }, from: null, to: { status: 'RECEIVED' } },
      { actor: { type: 'user' as const, id: ALICE, name: 'alice' }, from: { assignee: null }, to: { assignee: ALICE } },
    ];
    expect(userIdsIn(history, [null]).sort()).toEqual([ALICE, BOB].sort());
  });
});
