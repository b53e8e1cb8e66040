/**
 * Dissemination and signed bundles on the real API, FerretDB and Redis: the
 * handling code of the 3x5x2 grading decides who may pass a report on (a
 * supervisor's override for code C), every referral is recorded sealed and
 * audited; an exported bundle verifies with its public key, by the service
 * and by the admin CLI, and fails after any edit.
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/crypto/canonical.js';
import { edgeOf } from '../../src/reports/store/links.js';
import { bootApp, type TestApp } from '../support/app.js';
import { auditEntries, codeOf, findReport, Q } from '../support/desk.js';
import { buildReport, createDeskTeam, createStaff } from '../support/factories.js';
import { runScript } from '../support/spawn.js';

let app: TestApp;
type Staff = Awaited<ReturnType<typeof createStaff>>;
let handler: Staff, sup: Staff, so12: Staff, so13: Staff;

beforeAll(async () => {
  app = await bootApp();
  ({ handler, sup, so12, so13 } = await createDeskTeam(app));
});
afterAll(() => app?.close());

const M = {
  disseminate: `mutation($id: ID!, $to: RecipientKind!, $who: String!, $r: String!, $o: Boolean) {
    disseminateReport(id: $id, to: $to, recipient: $who, reason: $r, override: $o) { id disseminations { id to recipient grading handling override byName reason } }
  }`,
  read: `query($id: ID!) { report(id: $id) { id disseminations { id to recipient grading handling override byName reason } history { action to reason } } }`,
  exportBundle: `mutation($id: ID!) { exportReportBundle(id: $id) { reference keyId publicKey json } }`,
  verify: `query($b: String!) { verifyReportBundle(bundle: $b) { valid problem keyId reference } }`,
};

/** A report on SO12 claimed by the SO12 investigator, graded with `handling` (or ungraded). */
async function held(handling: 'P' | 'C' | null) {
  const { id } = await buildReport(app, { status: 'ASSIGNED', desk: 'SO12', priority: 'P3', assignee: so12, recordedBy: handler });
  if (handling) expect((await app.gql(Q.grade, { id, s: 'S2', i: 'B', h: handling }, so12.token)).errors).toBeUndefined();
  return id;
}

describe('disseminateReport', () => {
  it('lets the holder pass on a report graded P: recorded sealed in the history, listed in the view, audited', async () => {
    const id = await held('P');
    const res = await app.gql(M.disseminate, { id, to: 'MI5', who: 'Desk officer Thames House', r: 'named subject known to partners' }, so12.token);
    expect(res.errors).toBeUndefined();
    // The result of a change opens nothing: the sealed values are left out.
    expect(res.data.disseminateReport.disseminations).toEqual([expect.objectContaining({ to: 'MI5', recipient: null, reason: null, grading: '2BP', handling: 'P', override: false })]);
    const read = (await app.gql(M.read, { id }, so12.token)).data.report;
    expect(read.disseminations).toEqual([
      expect.objectContaining({ to: 'MI5', recipient: 'Desk officer Thames House', reason: 'named subject known to partners', grading: '2BP', override: false }),
    ]);
    const raw = JSON.stringify(await findReport(app, id));
    expect(raw).not.toContain('Thames House');
    expect(raw).not.toContain('known to partners');
    const [audit] = await auditEntries(app, 'report.disseminate', id);
    expect(audit!.details).toMatchObject({ recipientKind: 'MI5', override: false, reasonRef: expect.any(Number) });
    expect(JSON.stringify(audit)).not.toContain('Thames House');
  });

  it('requires a grading first, and holding the report', async () => {
    const ungraded = await held(null);
    expect(codeOf(await app.gql(M.disseminate, { id: ungraded, to: 'CTIO', who: 'CTIO North', r: 'for awareness' }, so12.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await app.gql(M.disseminate, { id: ungraded, to: 'CTIO', who: 'CTIO North', r: 'for awareness' }, so13.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(M.disseminate, { id: ungraded, to: 'NOBODY', who: 'x y', r: 'for awareness' }, so12.token))).toBe('BAD_USER_INPUT');
  });

  it('refuses handling code C without a supervisor override; allows it with one, its reason sealed', async () => {
    const id = await held('C');
    const args = { id, to: 'OTHER_FORCE', who: 'Kent Police Special Branch', r: 'subject now lives in Kent' };
    expect(codeOf(await app.gql(M.disseminate, args, so12.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(M.disseminate, { ...args, o: true }, so12.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(M.disseminate, args, sup.token))).toBe('FORBIDDEN');
    expect((await findReport(app, id)).history.some((e) => e.action === 'disseminated')).toBe(false);

    const res = await app.gql(M.disseminate, { ...args, o: true }, sup.token);
    expect(res.errors).toBeUndefined();
    const doc = await findReport(app, id);
    const entry = doc.history.at(-1)!;
    expect(entry).toMatchObject({ action: 'disseminated', to: expect.objectContaining({ recipientKind: 'OTHER_FORCE', handling: 'C', override: true }) });
    expect(entry.reason).toMatch(/^sealed:v1:/);
    expect((entry.to as { recipient: string }).recipient).toMatch(/^sealed:v1:/);
    expect(JSON.stringify(doc)).not.toContain('Kent');
    const [audit] = await auditEntries(app, 'report.disseminate', id);
    expect(audit!.details).toMatchObject({ override: true, recipientKind: 'OTHER_FORCE', reasonRef: entry.seq });
    const read = (await app.gql(M.read, { id }, sup.token)).data.report;
    expect(read.disseminations).toEqual([expect.objectContaining({ recipient: 'Kent Police Special Branch', reason: 'subject now lives in Kent', override: true })]);
    // An override where nothing restricts sharing is refused, not recorded.
    const open = await held('P');
    expect(codeOf(await app.gql(M.disseminate, { ...args, id: open, o: true }, sup.token))).toBe('BAD_USER_INPUT');
  });
});

describe('exportReportBundle', () => {
  it('exports a disseminated report as a bundle that verifies with its public key and fails after any edit', async () => {
    const id = await held('P');
    await app.gql(M.disseminate, { id, to: 'BOROUGH_INTELLIGENCE_UNIT', who: 'Newham BIU', r: 'local tasking' }, so12.token);
    // A link to a report of the other desk: the bundle shows it as the exporter sees it.
    const { id: other } = await buildReport(app, { desk: 'SO13', priority: 'P3', recordedBy: handler });
    const [x, y] = [await findReport(app, id), await findReport(app, other)];
    await app.deps.reports.recordLink(edgeOf(app.deps.crypto, x, y, ['vehicle'], new Date()));

    const res = await app.gql(M.exportBundle, { id }, so12.token);
    expect(res.errors).toBeUndefined();
    const out = res.data.exportReportBundle;
    const bundle = JSON.parse(out.json);
    expect(bundle).toMatchObject({
      format: 'hotline-report-bundle/v1',
      report: { id, reference: x.reference, desk: 'SO12' },
      grading: { code: '2BP', handling: 'P' },
      historyVerification: { valid: true, brokenAt: null },
      disseminations: [expect.objectContaining({ to: 'BOROUGH_INTELLIGENCE_UNIT', recipient: 'Newham BIU', reason: 'local tasking' })],
      signature: { alg: 'Ed25519', keyId: out.keyId, publicKey: out.publicKey },
    });
    // The other desk's report as the exporter sees it (other reports of the file's factories may be possibly linked by a sound-alike name).
    expect(bundle.links).toContainEqual({ reference: null, desk: 'SO13', readable: false, manual: false, reasons: ['vehicle'] });
    expect(bundle.content.narrative).toEqual(expect.any(String));
    expect(out.json).not.toContain(y.reference);
    expect(bundle.history).toHaveLength(x.history.length); // an export writes no history: its audit entry records it

    // Anyone with the public key checks it, with nothing of this service's code but the canonical encoding.
    const { signature, ...body } = bundle;
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(signature.publicKey, 'base64').toString('base64url') }, format: 'jwk' });
    const ed25519 = (b: unknown, sig: string) => verify(null, Buffer.from(canonicalJson(b)), publicKey, Buffer.from(sig, 'base64'));
    expect(ed25519(body, signature.value)).toBe(true);

    const check = async (b: unknown) => (await app.gql(M.verify, { b: JSON.stringify(b) }, sup.token)).data.verifyReportBundle;
    expect(await check(bundle)).toEqual({ valid: true, problem: null, keyId: out.keyId, reference: x.reference });
    const edits: [string, (b: any) => void][] = [
      ['content', (b) => (b.content.narrative += ' (edited)')],
      ['history', (b) => (b.history[0].actor.id = 'someone-else')],
      ['history entry removed', (b) => b.history.pop()],
      ['grading', (b) => (b.grading.handling = 'C')],
      ['signature', (b) => (b.signature.value = Buffer.from(Buffer.from(b.signature.value, 'base64').map((v: number, i: number) => (i === 0 ? v ^ 1 : v))).toString('base64'))],
    ];
    for (const [what, edit] of edits) {
      const copy = structuredClone(bundle);
      edit(copy);
      const { signature: s, ...edited } = copy;
      expect(ed25519(edited, s.value), what).toBe(false);
      expect(await check(copy), what).toMatchObject({ valid: false, problem: expect.any(String) });
    }
    // Re-signed with another key (carrying it along) is still refused: the service trusts only its own keys.
    const forger = generateKeyPairSync('ed25519');
    const forged = structuredClone(body);
    forged.content.narrative = 'forged';
    const x64 = forger.publicKey.export({ format: 'jwk' }).x!;
    const forgedBundle = { ...forged, signature: { ...signature, publicKey: Buffer.from(x64, 'base64url').toString('base64'), value: sign(null, Buffer.from(canonicalJson(forged)), forger.privateKey).toString('base64') } };
    expect(await check(forgedBundle)).toMatchObject({ valid: false });

    // Audited: the export as a read for export, each check as bundle.verify.
    const reads = await auditEntries(app, 'report.read', id);
    expect(reads.some((e) => e.details.purpose === 'export' && e.details.signer === out.keyId)).toBe(true);
    const checks = await auditEntries(app, 'bundle.verify');
    expect(checks.filter((e) => e.outcome === 'success').length).toBeGreaterThanOrEqual(1);
    expect(checks.filter((e) => e.outcome === 'failure').length).toBeGreaterThanOrEqual(edits.length + 1);

    // Only its holder or a supervisor exports it.
    expect(codeOf(await app.gql(M.exportBundle, { id }, so13.token))).toBe('FORBIDDEN');
    expect(codeOf(await app.gql(M.exportBundle, { id }, handler.token))).toBe('FORBIDDEN');

    // The admin CLI checks a bundle file against the same keys.
    const file = join(tmpdir(), `bundle-${id}.json`);
    await writeFile(file, out.json);
    const good = await runScript('scripts/admin/admin.ts', ['bundle:verify', file], app.env);
    expect(good.stdout).toContain(`valid: bundle of ${x.reference}`);
    expect(good.code).toBe(0);
    const tampered = structuredClone(bundle);
    tampered.content.narrative = 'changed';
    await writeFile(file, JSON.stringify(tampered));
    const bad = await runScript('scripts/admin/admin.ts', ['bundle:verify', file], app.env);
    expect(bad.stdout).toContain('NOT valid');
    expect(bad.code).toBe(1);
  }, 120_000);
});
