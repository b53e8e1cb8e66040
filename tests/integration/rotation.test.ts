import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrypto, type Crypto } from '../../src/crypto/index.js';
import { createReportRepository } from '../../src/reports/repository.js';
import type { ReportDoc } from '../../src/reports/types.js';
import { bootApp, key, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { hotlineCall, RECORD_CALL } from '../support/payloads.js';
import { runScript } from '../support/spawn.js';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
let app: TestApp;
const masterA = key();
const masterB = key();

beforeAll(async () => {
  app = await bootApp({ env: { HOTLINE_MASTER_KEY: masterA } });
});
afterAll(() => app?.close());

async function decryptAll(crypto: Crypto): Promise<{ ok: number; failed: number; narratives: string[] }> {
  const docs = await app.deps.database.db.collection<ReportDoc>('reports').find({}).toArray();
  let ok = 0;
  let failed = 0;
  const narratives: string[] = [];
  for (const d of docs) {
    try {
      const c = crypto.cipher.withDataKey(d._id, d.dataKey!, (k) => crypto.codec.decryptContent(k, d._id, d.content!));
      narratives.push(c.narrative);
      ok++;
    } catch {
      failed++;
    }
  }
  return { ok, failed, narratives };
}

describe('master key rotation', () => {
  it('re-wraps every data key under the new key while reads go on; the old key can then be dropped', async () => {
    const { token } = await createStaff(app, 'CALL_HANDLER');
    const inputs = Array.from({ length: 15 }, (_, i) => hotlineCall(i));
    for (const input of inputs) expect((await app.gql(RECORD_CALL, { input }, token)).errors).toBeUndefined();
    const index = app.env.HOTLINE_INDEX_KEY!;
    const both = await createCrypto({ masterKey: b64(masterB), previousMasterKeys: [b64(masterA)], indexKey: b64(index), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    const onlyB = await createCrypto({ masterKey: b64(masterB), indexKey: b64(index), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    const onlyA = await createCrypto({ masterKey: b64(masterA), indexKey: b64(index), auditKey: b64(app.env.HOTLINE_AUDIT_KEY!) });
    expect((await decryptAll(onlyB)).ok).toBe(0);

    // Reads keep going (with the old+new keyring, as a running instance would) during the rotation.
    let reading = true;
    let readFailures = 0;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const r = await decryptAll(both);
        readFailures += r.failed;
        reads++;
      }
    })();
    const cli = await runScript('scripts/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: masterB, HOTLINE_PREVIOUS_MASTER_KEYS: masterA });
    reading = false;
    await reader;
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/15 re-wrapped, 0 to go/);
    expect(reads).toBeGreaterThan(0);
    expect(readFailures).toBe(0);

    const repo = createReportRepository(app.deps.database.db, app.deps.crypto.integrity);
    expect(await repo.countWrappedByOtherKeys(onlyB.keyring.currentId)).toBe(0);
    const after = await decryptAll(onlyB);
    expect(after.failed).toBe(0);
    expect(after.ok).toBe(15);
    expect(after.narratives.sort()).toEqual(inputs.map((i) => i.narrative).sort());
    expect((await decryptAll(onlyA)).ok).toBe(0);

    // Resumable and idempotent: a second run has nothing to do.
    const again = await runScript('scripts/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: masterB });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/done: 0 re-wrapped/);
  });

  it('reports data keys it cannot open and exits non-zero', async () => {
    const r = await runScript('scripts/admin.ts', ['keys:rotate'], { ...app.env, HOTLINE_MASTER_KEY: key() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/could not be opened/);
  });
});
