/**
 * Trust review (second), item 12: a signed report bundle with a member
 * name twice in one object still verified (JSON.parse keeps the last value;
 * a case-management system may keep the first). The check now reads the
 * bundle's text strictly (src/audit/strict-json.ts) and judges it on the
 * canonical bytes that were signed: re-indented, reordered or respelt
 * numbers still verify, a duplicated name never does.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseStrictJson } from '../../../src/audit/strict-json.js';
import { bootApp, type TestApp } from '../../support/app.js';
import { auditEntries, Q, recordCall, triageDirectly } from '../../support/desk.js';
import { createDeskTeam, type createStaff } from '../../support/factories.js';

const EXPORT = `mutation($id: ID!) { exportReportBundle(id: $id) { json } }`;
const VERIFY = `query($b: String!) { verifyReportBundle(bundle: $b) { valid problem reference } }`;

let app: TestApp;
let sup: Awaited<ReturnType<typeof createStaff>>;
let text: string;

beforeAll(async () => {
  app = await bootApp();
  const team = await createDeskTeam(app);
  sup = team.sup;
  const id = await recordCall(app, team.handler.token, 1);
  await triageDirectly(app, id, 'SO12', 'P3');
  expect((await app.gql(Q.claim, { id }, team.so12.token)).errors).toBeUndefined();
  const res = await app.gql(EXPORT, { id }, team.so12.token);
  expect(res.errors).toBeUndefined();
  text = res.data.exportReportBundle.json;
});
afterAll(() => app?.close());

const check = async (b: string) => (await app.gql(VERIFY, { b }, sup.token)).data.verifyReportBundle as { valid: boolean; problem: string | null };

it('refuses a bundle with a second "status" (or an escaped spelling of it), though JSON.parse reads the signed value', async () => {
  expect(await check(text)).toMatchObject({ valid: true, problem: null });
  const status = JSON.parse(text).report.status as string;
  const original = `"status": ${JSON.stringify(status)}`;
  expect(text).toContain(original);
  for (const forged of [`"status": "CLOSED",\n    ${original}`, `"st\\u0061tus": "CLOSED",\n    ${original}`]) {
    const tampered = text.replace(original, forged);
    // What an importer keeping the first value would read, while JSON.parse keeps the signed one.
    expect(JSON.parse(tampered).report.status).toBe(status);
    const result = await check(tampered);
    expect(result.valid).toBe(false);
    expect(result.problem).toMatch(/^not strict JSON: a member name appears twice in one object/);
  }
  // Recorded as a failed check, with the problem and never the bundle.
  const entries = await auditEntries(app, 'bundle.verify');
  const failed = entries.filter((e) => e.outcome === 'failure');
  expect(failed.length).toBeGreaterThanOrEqual(2);
  expect(JSON.stringify(failed)).not.toContain('CLOSED');
});

it('judges a re-serialised bundle on its canonical form: whitespace, member order and number spelling do not matter, values do', async () => {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  /** Every object's members in reverse order, recursively. */
  const reversed = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
  const compact = JSON.stringify(reversed(parsed));
  expect(compact).not.toBe(text);
  expect(await check(compact)).toMatchObject({ valid: true });
  // A number respelt (1 as 1.0, 1e0) is the same number in the canonical form.
  expect(compact).toMatch(/"seq":1\b/);
  expect(await check(compact.replace(/"seq":1\b/, '"seq":1.0'))).toMatchObject({ valid: true });
  expect(await check(compact.replace(/"seq":1\b/, '"seq":1e0'))).toMatchObject({ valid: true });
  // A changed value is not.
  expect(await check(compact.replace(/"seq":1\b/, '"seq":2'))).toMatchObject({ valid: false });
});

it('refuses what two parsers could read differently: lone surrogates, integers past 2^53, trailing text', async () => {
  expect(() => parseStrictJson('{"a":"\\ud800"}')).toThrow(/lone surrogate/);
  expect(() => parseStrictJson('{"a":9007199254740993}')).toThrow(/beyond exact double precision/);
  expect(() => parseStrictJson('{"a":1} {"a":2}')).toThrow(/text after the value/);
  expect(() => parseStrictJson('{"a":1,}')).toThrow(/expected a member name/);
  expect(parseStrictJson('{"__proto__":{"x":1},"b":[1,2.5,-0,true,null,"\\u00e9"]}')).toEqual(JSON.parse('{"__proto__":{"x":1},"b":[1,2.5,-0,true,null,"\\u00e9"]}'));
  const result = await check(text.replace(/\}\s*$/, '}\n{"format":"x"}'));
  expect(result).toMatchObject({ valid: false, problem: expect.stringMatching(/^not strict JSON/) });
});
