/**
 * A value filed under more reports than an entity page holds (issue 26,
 * item 3: a common surname says "shared by more than N" rather than listing
 * thousands), on the real services: the page says "Filed under more than N
 * reports", N being what it shows — its size as the caller asks it, and
 * ENTITY_PAGE_SIZE by default, as the console opens it — and nothing when
 * it shows every report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_PAGE_SIZE } from '../../src/reports/desk/entities.js';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';
import { recordCall, triageDirectly } from '../support/desk.js';

let app: TestApp;
let inv: { token: string };
let source: string;

const REFS = `query($id: ID!) { report(id: $id) { entities { kind value ref } } }`;
const ENTITY = `query($ref: ID!, $first: Int) { entity(ref: $ref, first: $first) { crowded reports { edges { node { reportId } } pageInfo { hasNextPage } } } }`;
const PLATE = 'YC21 WKD';

const pageOf = async (first?: number) => {
  const refs = await app.gql(REFS, { id: source }, inv.token);
  expect(refs.errors).toBeUndefined();
  const ref = (refs.data.report.entities as { kind: string; ref: string }[]).find((e) => e.kind === 'vehicle')!.ref;
  const res = await app.gql(ENTITY, { ref, first }, inv.token);
  expect(res.errors).toBeUndefined();
  return res.data.entity as { crowded: string | null; reports: { edges: unknown[]; pageInfo: { hasNextPage: boolean } } };
};

beforeAll(async () => {
  app = await bootApp();
  const handler = await createStaff(app, 'CALL_HANDLER');
  inv = await createStaff(app, 'INVESTIGATOR', 'SO12');
  // One more report than a page holds, all on the investigator's desk, sharing one van.
  for (let i = 0; i <= ENTITY_PAGE_SIZE; i++) {
    const id = await recordCall(app, handler.token, i, { subjects: [], vehicles: [{ registration: PLATE }], locations: [] });
    await triageDirectly(app, id, 'SO12', 'P3');
    source = id;
  }
}, 120_000);
afterAll(() => app?.close());

describe('a value filed under more reports than the page holds', () => {
  it('says "filed under more than N" with N the page size asked for, and nothing when every report is shown', async () => {
    const small = await pageOf(3);
    expect(small.reports.edges).toHaveLength(3);
    expect(small.reports.pageInfo.hasNextPage).toBe(true);
    expect(small.crowded).toBe('Filed under more than 3 reports: the 3 most recent are shown; search finds the others.');

    const all = await pageOf(ENTITY_PAGE_SIZE + 1);
    expect(all.reports.edges).toHaveLength(ENTITY_PAGE_SIZE + 1);
    expect(all.reports.pageInfo.hasNextPage).toBe(false);
    expect(all.crowded).toBeNull();
  });

  it('as the console opens it (no size asked), the bound is ENTITY_PAGE_SIZE', async () => {
    const page = await pageOf();
    expect(page.reports.edges).toHaveLength(ENTITY_PAGE_SIZE);
    expect(page.crowded).toBe(`Filed under more than ${ENTITY_PAGE_SIZE} reports: the ${ENTITY_PAGE_SIZE} most recent are shown; search finds the others.`);
  });
});
