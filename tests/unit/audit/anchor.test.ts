import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithCheckpoints, createAnchorStore, type SignedCheckpoint } from '../../../src/audit/anchor.js';
import { createIntegrity } from '../../../src/crypto/integrity.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

const sodium = await loadSodium();
const integrity = createIntegrity(sodium, new Uint8Array(32).fill(3));
const h = (n: number) => n.toString(16).padStart(64, '0');
const cp = (seq: number, at = `2025-01-01T00:${String(seq).padStart(2, '0')}:00.000Z`): SignedCheckpoint => ({ seq, hash: h(seq), count: seq, at, keyId: 'k', sig: '' });
const stored = (hashes: Record<number, string>) => (seq: number) => hashes[seq];

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
