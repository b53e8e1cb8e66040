/**
 * The pure parts of linking at a bounded cost: an edge's id is a keyed hash
 * of the pair, the same whichever end records it and naming neither, each end reads the other, and what linking left
 * out becomes triage reasons that routing never sees and the view words plainly; the bounds are
 * configuration, validated at start-up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { createCrypto } from '../../../src/crypto/index.js';
import { edgeOf, linkFrom } from '../../../src/reports/store/links.js';
import { linkingNotes, linkWarningsOf, routingLinks } from '../../../src/triage/linking.js';

const at = new Date('2026-11-29T10:00:00Z');
const older = { _id: 'b-older', recordedAt: new Date('2026-11-29T09:00:00Z'), reference: 'ATH-2026-000001', desk: 'SO13' as const };
const newer = { _id: 'a-newer', recordedAt: new Date('2026-11-29T09:30:00Z'), reference: 'ATH-2026-000002', desk: 'SO12' as const };

describe('link edges', () => {
  it('names an edge by a keyed hash of the pair whichever end records it, and shows each end the other', async () => {
    const keys = await createCrypto({ masterKey: new Uint8Array(32).fill(1), indexKey: new Uint8Array(32).fill(2), auditKey: new Uint8Array(32).fill(3) });
    const one = edgeOf(keys, newer, older, ['vehicle'], at);
    expect(edgeOf(keys, older, newer, ['vehicle'], at)).toEqual(one);
    expect(one._id).toMatch(/^[0-9a-f]{64}$/);
    expect(one._id).toBe(keys.integrity.mac('linkId', 'pair\na-newer\nb-older'));
    expect([one.older.id, one.newer.id]).toEqual(['b-older', 'a-newer']);
    expect(linkFrom(one, older._id)).toEqual({ reportId: newer._id, reference: newer.reference, desk: 'SO12', reasons: ['vehicle'], at, manual: false, by: null });
    expect(linkFrom(one, newer._id)).toEqual({ reportId: older._id, reference: older.reference, desk: 'SO13', reasons: ['vehicle'], at, manual: false, by: null });
  });

  it('orders reports recorded at the same instant by id', async () => {
    const keys = await createCrypto({ masterKey: new Uint8Array(32).fill(1), indexKey: new Uint8Array(32).fill(2), auditKey: new Uint8Array(32).fill(3) });
    expect(edgeOf(keys, { ...older, recordedAt: at }, { ...newer, recordedAt: at }, ['phone'], at).older.id).toBe('a-newer');
  });

  it('turns what linking did not compare into triage reasons, and those into plain words for the report view', () => {
    expect(linkingNotes({ crowdedKinds: [], threshold: 20, compared: 5, capped: null })).toEqual([]);
    const notes = linkingNotes({ crowdedKinds: ['name', 'vehicle'], threshold: 20, compared: 5, capped: { max: 50, unread: 7 } });
    expect(notes).toEqual(['shared-by-more-than:name:20:5', 'shared-by-more-than:vehicle:20:5', 'link-candidates-capped:50']);
    // A note written before the compared count was recorded reads as the threshold's worth.
    expect(linkWarningsOf(['shared-by-more-than:phone:20'])).toEqual(['phone number shared by more than 20 reports: the 20 most recent were compared; search finds the others']);
    expect(linkWarningsOf(['rule:finance', ...notes, 'linked-desk:SO13', 'shared-by-many:postcode'])).toEqual([
      'subject name shared by more than 20 reports: the 5 most recent were compared; search finds the others',
      'vehicle shared by more than 20 reports: the 5 most recent were compared; search finds the others',
      'more than 50 reports share values with this report: 50 were compared; search finds the others',
      'postcode shared by many reports: not linked by it at triage; search finds them',
    ]);
  });

  it('lets only links to open reports through a value that is not crowded steer routing', () => {
    const doc = (status: string) => ({ status }) as never;
    const open = { doc: doc('TRIAGED'), reasons: ['vehicle' as const] };
    const closed = { doc: doc('CLOSED'), reasons: ['vehicle' as const] };
    const viaCrowded = { doc: doc('UNDER_RESEARCH'), reasons: ['postcode' as const] };
    const viaBoth = { doc: doc('UNDER_RESEARCH'), reasons: ['postcode' as const, 'phone' as const] };
    expect(routingLinks({ links: [open, closed, viaCrowded, viaBoth], crowdedKinds: ['postcode'] })).toEqual([open, viaBoth]);
  });
});

describe('linking configuration', () => {
  const k = (byte: number) => Buffer.alloc(32, byte).toString('base64');
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/', REDIS_URL: 'redis://127.0.0.1:2', HOTLINE_MASTER_KEY: k(1), HOTLINE_INDEX_KEY: k(2), HOTLINE_AUDIT_KEY: k(3) };
  const load = (env: Record<string, string>) => loadConfig({ ...base, ...env }, { dataDir: mkdtempSync(join(tmpdir(), 'cfg-')) });

  it('defaults to 50 candidates and a threshold of 20, and takes other values', () => {
    expect(load({}).triage.linking).toEqual({ maxCandidates: 50, sharedThreshold: 20 });
    expect(load({ LINK_MAX_CANDIDATES: '10', LINK_SHARED_THRESHOLD: '3' }).triage.linking).toEqual({ maxCandidates: 10, sharedThreshold: 3 });
  });

  it('refuses bounds that would disable linking or exceed the term slots', () => {
    const bad: Record<string, string>[] = [{ LINK_MAX_CANDIDATES: '0' }, { LINK_SHARED_THRESHOLD: '0' }, { LINK_SHARED_THRESHOLD: '65' }, { LINK_MAX_CANDIDATES: 'many' }];
    for (const env of bad) {
      expect(() => load(env)).toThrow(ConfigError);
      try {
        load(env);
      } catch (err) {
        expect((err as ConfigError).problems.some((p) => p.startsWith(Object.keys(env)[0]!))).toBe(true);
      }
    }
  });
});
