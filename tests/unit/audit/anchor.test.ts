import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithCheckpoints, createAnchorStore, tipDayFrom, type SignedCheckpoint, type SignedTip } from '../../../src/audit/anchor.js';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

const sodium = await loadSodium();
const integrity = createIntegrity(sodium, new Uint8Array(32).fill(3));
const h = (n: number) => n.toString(16).padStart(64, '0');
const cp = (seq: number, at = `2025-01-01T00:${String(seq).padStart(2, '0')}:00.000Z`): SignedCheckpoint => ({ seq, hash: h(seq), count: seq, at, keyId: 'k', sig: '' });
const stored = (hashes: Record<number, string>) => (seq: number) => hashes[seq];
const tip = (seq: number): SignedTip => ({ seq, hash: h(seq), keyId: 'k', writer: 'host-1', sig: '' });

describe('compareWithCheckpoints', () => {
  it('NONE without checkpoints, OK when every checkpoint matches', () => {
    expect(compareWithCheckpoints([], stored({}), { length: 3, brokenAt: null })).toMatchObject({ anchor: 'NONE', anchorSeq: null, firstDifference: null });
    expect(compareWithCheckpoints([cp(2), cp(5)], stored({ 2: h(2), 5: h(5) }), { length: 7, brokenAt: null })).toMatchObject({ anchor: 'OK', anchorSeq: 5, firstDifference: null });
  });

  it('TRUNCATED when a checkpoint entry is gone: the first missing entry, and the checkpoint named', () => {
    const r = compareWithCheckpoints([cp(2), cp(5)], stored({ 2: h(2) }), { length: 3, brokenAt: null });
    expect(r).toMatchObject({ anchor: 'TRUNCATED', anchorSeq: 5, firstDifference: 4 });
    expect(r.reason).toContain('(seq 5)');
  });

  it('REWRITTEN: the first entry failing the keyed chain when it comes first, else the first after the last matching checkpoint', () => {
    expect(compareWithCheckpoints([cp(2), cp(5)], stored({ 2: h(2), 5: 'x' }), { length: 2, brokenAt: 3 })).toMatchObject({ anchor: 'REWRITTEN', firstDifference: 3 });
    expect(compareWithCheckpoints([cp(2), cp(5)], stored({ 2: h(2), 5: 'x' }), { length: 9, brokenAt: null })).toMatchObject({ anchor: 'REWRITTEN', firstDifference: 3 });
    expect(compareWithCheckpoints([cp(2), cp(5)], stored({ 2: 'y', 5: 'x' }), { length: 9, brokenAt: null })).toMatchObject({ anchor: 'REWRITTEN', firstDifference: 1 });
  });
});

describe('the anchor store', () => {
  it('appends signed lines, one file per day, and reads back only those that verify under its key', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'anchors-')), 'nested');
    const store = createAnchorStore({ dir, sodium, integrity });
    await store.append({ seq: 3, hash: h(3), count: 3, at: '2025-01-01T10:00:00.000Z' });
    await store.append({ seq: 7, hash: h(7), count: 7, at: '2025-01-02T10:00:00.000Z' });
    expect(readdirSync(dir).sort()).toEqual(['checkpoints-2025-01-01.jsonl', 'checkpoints-2025-01-02.jsonl']);
    const file = join(dir, 'checkpoints-2025-01-02.jsonl');
    const line = JSON.parse(readFileSync(file, 'utf8').trim());
    expect(line).toMatchObject({ seq: 7, keyId: integrity.keyId });
    // An edited line, one signed by another key, and a torn line are not trusted.
    const other = createAnchorStore({ dir: join(dir, 'x'), sodium, integrity: createIntegrity(sodium, new Uint8Array(32).fill(4)) });
    const foreign = await other.append({ seq: 9, hash: h(9), count: 9, at: '2025-01-02T11:00:00.000Z' });
    writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify({ ...line, seq: 8 })}\n${JSON.stringify(foreign)}\n{"seq":`);
    const { checkpoints, rejected } = await store.read();
    expect(checkpoints.map((c) => c.seq)).toEqual([3, 7]);
    expect(rejected).toBe(3);
  });

  it('says why a directory cannot be written, without its path', async () => {
    const base = mkdtempSync(join(tmpdir(), 'anchors-'));
    writeFileSync(join(base, 'file'), '');
    const store = createAnchorStore({ dir: join(base, 'file', 'anchors'), sodium, integrity });
    await expect(store.checkWritable()).rejects.toThrow(/^the audit anchor directory \(HOTLINE_AUDIT_ANCHOR_DIR\) cannot be written \(ENOTDIR\)$/);
    // Reading it fails loudly too: a verification must not pass for "no checkpoints" because the directory is unusable.
    await expect(store.read()).rejects.toThrow();
    expect((await createAnchorStore({ dir: join(base, 'absent'), sodium, integrity }).read()).checkpoints).toEqual([]);
  });
});

describe('signed tips (trust review 2, item 6)', () => {
  it('a chain cut after the latest checkpoint contradicts the tips above it: TRUNCATED, naming the tip; a rewritten tip entry is REWRITTEN', () => {
    expect(compareWithCheckpoints([cp(2)], stored({ 2: h(2), 4: h(4), 6: h(6) }), { length: 6, brokenAt: null }, [tip(4), tip(6)])).toMatchObject({ anchor: 'OK', anchorSeq: 2 });
    const cut = compareWithCheckpoints([cp(2)], stored({ 2: h(2), 4: h(4) }), { length: 4, brokenAt: null }, [tip(4), tip(6)]);
    expect(cut).toMatchObject({ anchor: 'TRUNCATED', anchorSeq: 2, firstDifference: 5 });
    expect(cut.reason).toBe('the chain is shorter than the signed tip of host-1 (seq 6) says: entries from seq 5 are missing');
    // Tips alone (no checkpoint yet) are enough.
    expect(compareWithCheckpoints([], stored({ 1: h(1) }), { length: 1, brokenAt: null }, [tip(3)])).toMatchObject({ anchor: 'TRUNCATED', anchorSeq: null, firstDifference: 2 });
    expect(compareWithCheckpoints([cp(2)], stored({ 2: h(2), 4: 'x' }), { length: 9, brokenAt: null }, [tip(4)])).toMatchObject({ anchor: 'REWRITTEN', firstDifference: 3 });
  });

  it('appends one synced line per tip to the writer\'s file of the day, and reads back those above a seq that verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchors-'));
    const store = createAnchorStore({ dir, sodium, integrity, writer: 'host/a 1' });
    for (const seq of [3, 5, 8]) await store.appendTip({ seq, hash: h(seq) }, new Date('2025-01-01T10:00:00.123Z'));
    await store.appendTip({ seq: 9, hash: h(9) }, new Date('2025-01-02T00:00:01Z'));
    const other = createAnchorStore({ dir, sodium, integrity, writer: 'host-b' });
    await other.appendTip({ seq: 7, hash: h(7) }, new Date('2025-01-01T10:00:00Z'));
    expect(readdirSync(dir).sort()).toEqual(['tips-2025-01-01-host-b.jsonl', 'tips-2025-01-01-host_a_1.jsonl', 'tips-2025-01-02-host_a_1.jsonl']);
    // A tip holds no time (the chain's order must not time partner events).
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'tips-2025-01-01-host_a_1.jsonl'), 'utf8').split('\n')[0]!)).sort()).toEqual(['hash', 'keyId', 'seq', 'sig', 'writer']);
    // A forged line (edited, not re-signed) at the end of a file is not trusted.
    const file = join(dir, 'tips-2025-01-02-host_a_1.jsonl');
    const line = JSON.parse(readFileSync(file, 'utf8').trim());
    writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify({ ...line, seq: 50 })}\n`);
    const all = await store.readTips();
    expect(all.tips.map((t) => t.seq)).toEqual([3, 5, 7, 8, 9]);
    expect(all.rejected).toBe(1);
    expect((await store.readTips(5)).tips.map((t) => t.seq)).toEqual([7, 8, 9]);
    expect((await store.readTips(0, '2025-01-02')).tips.map((t) => t.seq)).toEqual([9]);
    expect(tipDayFrom({ at: '2025-01-02T00:00:00.000Z' })).toBe('2025-01-01');
    // A tip's signature never passes as a checkpoint's.
    expect(store.parseLine(readFileSync(join(dir, 'tips-2025-01-01-host-b.jsonl'), 'utf8').trim())).toBeNull();
  });
});

/**
 * Signed restore events (issue 28): a restore of an older backup is accepted
 * exactly as signed, and nothing else passes for one. The old chain's tips
 * and checkpoints above the restore were written before it (inside its cut)
 * and stop counting; the new chain's count from the restore on.
 */
describe('signed restore events', () => {
  const nh = (n: number) => `new-${n}`;
  /** Checkpoint at 5, tips 6..8 from the chain the restore abandons; then a restore to the backup's end at 5. */
  async function restoredDir() {
    const dir = mkdtempSync(join(tmpdir(), 'anchors-restore-'));
    const old = createAnchorStore({ dir, sodium, integrity, writer: 'old-1' });
    await old.append({ seq: 5, hash: h(5), count: 5, at: '2025-01-01T10:00:00.000Z' });
    for (const seq of [6, 7, 8]) await old.appendTip({ seq, hash: h(seq) }, new Date('2025-01-01T10:01:00Z'));
    const store = createAnchorStore({ dir, sodium, integrity, writer: 'new-1' });
    const event = await store.appendRestore({ seq: 5, hash: h(5), backupAt: '2025-01-01T09:59:00.000Z', missing: 3, restoredAt: '2025-01-01T11:00:00.000Z' });
    return { dir, store, event };
  }
  const compare = async (store: ReturnType<typeof createAnchorStore>, chain: Record<number, string>) => {
    const view = await store.view();
    const length = Math.max(0, ...Object.keys(chain).map(Number));
    return compareWithCheckpoints(view.checkpoints, stored(chain), { length, brokenAt: null }, view.tips, view);
  };
  const base = { 1: h(1), 2: h(2), 3: h(3), 4: h(4), 5: h(5) };

  it('a chain ending exactly at the restore\'s entry is RESTORED, and says how many signed entries the backup lacks; new entries chain on', async () => {
    const { store, event } = await restoredDir();
    expect(event.cut).toEqual({ 'checkpoints-2025-01-01.jsonl': expect.any(Number), 'tips-2025-01-01-old-1.jsonl': expect.any(Number) });
    const view = await store.view();
    expect(view.tips).toEqual([]); // the abandoned chain's tips above 5 no longer count
    expect(view.restored).toMatchObject({ seq: 5, missing: 3, backupAt: '2025-01-01T09:59:00.000Z', sinceCheckpoint: true });
    expect(await compare(store, base)).toMatchObject({ anchor: 'RESTORED', firstDifference: null, restored: { seq: 5, missing: 3 } });
    // New entries after the restore reuse positions 6.. with other hashes: their tips count, the old ones do not.
    await store.appendTip({ seq: 7, hash: nh(7) }, new Date('2025-01-01T11:01:00Z'));
    expect(await compare(store, { ...base, 6: nh(6), 7: nh(7) })).toMatchObject({ anchor: 'RESTORED' });
    // A checkpoint after the restore ends the notice (OK), and from then on it binds.
    await store.append({ seq: 7, hash: nh(7), count: 7, at: '2025-01-01T11:02:00.000Z' });
    expect(await compare(store, { ...base, 6: nh(6), 7: nh(7) })).toMatchObject({ anchor: 'OK', anchorSeq: 7, restored: { seq: 5 } });
  });

  it('reads only the tip files that can hold a tip above the latest kept checkpoint, as without a restore', async () => {
    const { dir, store } = await restoredDir();
    // A torn line in a tip file of months before the checkpoint at 5 is not read; one in the checkpoint's day is (and counted).
    writeFileSync(join(dir, 'tips-2024-06-01-ancient.jsonl'), 'not a tip\n');
    expect((await store.view()).rejected).toBe(0);
    writeFileSync(join(dir, 'tips-2025-01-01-torn.jsonl'), 'not a tip\n');
    expect((await store.view()).rejected).toBe(1);
    expect(await compare(store, base)).toMatchObject({ anchor: 'RESTORED' });
  });

  it('is TRUNCATED when the chain is cut further than the restore\'s entry, and REWRITTEN when the entry there differs', async () => {
    const { store } = await restoredDir();
    expect(await compare(store, { 1: h(1), 2: h(2), 3: h(3) })).toMatchObject({ anchor: 'TRUNCATED', firstDifference: 4 });
    const r = await compare(store, { ...base, 5: 'other' });
    expect(r).toMatchObject({ anchor: 'REWRITTEN' });
    expect(r.reason).toContain('the checkpoint of'); // the checkpoint at 5 (written before the restore, not above it) still counts
  });

  it('does not excuse a cut of the chain after it: a later tip or checkpoint supersedes it', async () => {
    const { store } = await restoredDir();
    await store.appendTip({ seq: 6, hash: nh(6) }, new Date('2025-01-01T11:01:00Z'));
    expect(await compare(store, base)).toMatchObject({ anchor: 'TRUNCATED', firstDifference: 6 });
    await store.append({ seq: 6, hash: nh(6), count: 6, at: '2025-01-01T11:05:00.000Z' });
    expect(await compare(store, base)).toMatchObject({ anchor: 'TRUNCATED', firstDifference: 6 });
  });

  it('the restore event\'s tip must be the chain\'s: one naming another entry is not accepted', async () => {
    const { dir } = await restoredDir();
    // A second restore, claiming the chain ends at 4 with a hash it never had.
    const store = createAnchorStore({ dir, sodium, integrity });
    await store.appendRestore({ seq: 4, hash: 'not-the-chain', backupAt: '2025-01-01T09:00:00.000Z', missing: 1, restoredAt: '2025-01-01T12:00:00.000Z' });
    expect(await compare(store, { 1: h(1), 2: h(2), 3: h(3), 4: h(4) })).toMatchObject({ anchor: 'REWRITTEN', firstDifference: 1 });
    expect(await compare(store, { 1: h(1), 2: h(2), 3: h(3) })).toMatchObject({ anchor: 'TRUNCATED' });
  });

  it('an unsigned, edited, or badly signed restore event, or one from another deployment (its key), counts for nothing: the cut stays TRUNCATED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchors-forged-'));
    const store = createAnchorStore({ dir, sodium, integrity, writer: 'old-1' });
    await store.append({ seq: 5, hash: h(5), count: 5, at: '2025-01-01T10:00:00.000Z' });
    for (const seq of [6, 7, 8]) await store.appendTip({ seq, hash: h(seq) }, new Date('2025-01-01T10:01:00Z'));
    // Another deployment (another audit key) signs a restore of the same shape; its line is replayed here.
    const otherDir = mkdtempSync(join(tmpdir(), 'anchors-other-'));
    const elsewhere = createAnchorStore({ dir: otherDir, sodium, integrity: createIntegrity(sodium, new Uint8Array(32).fill(9)) });
    const foreign = await elsewhere.appendRestore({ seq: 5, hash: h(5), backupAt: '2025-01-01T09:59:00.000Z', missing: 3, restoredAt: '2025-01-01T11:00:00.000Z' });
    const cut = { 'checkpoints-2025-01-01.jsonl': 10_000, 'tips-2025-01-01-old-1.jsonl': 10_000 };
    const lines = [
      JSON.stringify({ ...foreign, cut }),
      readFileSync(join(otherDir, 'restores.jsonl'), 'utf8').trim(),
      JSON.stringify({ seq: 5, hash: h(5), backupAt: foreign.backupAt, missing: 3, restoredAt: foreign.restoredAt, keyId: integrity.keyId, cut }), // unsigned
      JSON.stringify({ seq: 5, hash: h(5), backupAt: foreign.backupAt, missing: 3, restoredAt: foreign.restoredAt, keyId: integrity.keyId, cut, sig: foreign.sig }),
    ];
    // One of ours, edited after signing (the cut widened to cover a later file).
    const ours = await createAnchorStore({ dir: mkdtempSync(join(tmpdir(), 'anchors-ours-')), sodium, integrity }).appendRestore({ seq: 5, hash: h(5), backupAt: foreign.backupAt, missing: 3, restoredAt: foreign.restoredAt });
    lines.push(JSON.stringify({ ...ours, cut }));
    writeFileSync(join(dir, 'restores.jsonl'), `${lines.join('\n')}\n`);
    const view = await store.view();
    expect(view.restores).toEqual([]);
    expect(view.rejected).toBe(lines.length);
    expect(await compare(store, base)).toMatchObject({ anchor: 'TRUNCATED', firstDifference: 6 });
    // A restore event's signature never passes as a checkpoint's or a tip's, nor theirs as its.
    expect(store.parseLine(JSON.stringify(ours))).toBeNull();
    expect(store.parseTip(JSON.stringify(ours))).toBeNull();
    expect(store.parseRestore(readFileSync(join(dir, 'checkpoints-2025-01-01.jsonl'), 'utf8').trim())).toBeNull();
  });

  it('a restore to an older backup after an earlier restore abandons the earlier one too; what was signed below it still binds', async () => {
    const { dir, store } = await restoredDir();
    await store.appendTip({ seq: 6, hash: nh(6) }, new Date('2025-01-01T11:01:00Z'));
    // An even older backup (chain end 3) restored over it.
    await store.appendRestore({ seq: 3, hash: h(3), backupAt: '2025-01-01T08:00:00.000Z', missing: 3, restoredAt: '2025-01-01T12:00:00.000Z' });
    expect(readdirSync(dir)).toContain('restores.jsonl');
    const view = await store.view();
    expect(view.restores.map((r) => r.seq)).toEqual([3]);
    expect(view.checkpoints).toEqual([]); // the checkpoint at 5 belonged to an abandoned chain
    expect(await compare(store, { 1: h(1), 2: h(2), 3: h(3) })).toMatchObject({ anchor: 'RESTORED', restored: { seq: 3, missing: 3 } });
    expect(await compare(store, { 1: h(1), 2: h(2) })).toMatchObject({ anchor: 'TRUNCATED' });
  });
});
