/**
 * The link chart played by insiders with real accounts (issue 26, "Bad input
 * and trust"): every node and edge a chart returns is walked, as an
 * investigator of the other desk, a call handler and an auditor. Nothing of
 * a report the viewer may not read may appear: no value, reference, id,
 * count or date, and no edge may pass through it.
 *
 *   A (SO13) ──vehicle── B (SO13) ──name── D (SO13)
 *   A ──phone── C (SO12) ──postcode── E (SO13)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../../support/app.js';
import { createStaff } from '../../support/factories.js';
import { buildChartWorld, EXPORT_CHART, NEIGHBOURHOOD, type ChartWorld } from '../../support/neighbourhood.js';

let app: TestApp;
let handler: { token: string };
let supervisor: { token: string };
let auditor: { token: string };
let so12: { token: string };
let so13: { token: string };
let world: ChartWorld;

beforeAll(async () => {
  app = await bootApp();
  handler = await createStaff(app, 'CALL_HANDLER');
  supervisor = await createStaff(app, 'SUPERVISOR');
  auditor = await createStaff(app, 'AUDITOR');
  so12 = await createStaff(app, 'INVESTIGATOR', 'SO12');
  so13 = await createStaff(app, 'INVESTIGATOR', 'SO13');
  world = await buildChartWorld(app, { handler: handler.token, supervisor: supervisor.token }, 7);
}, 120_000);
afterAll(() => app?.close());

const CONTENT = `query($id: ID!) { report(id: $id) { id reference desk receivedAt
  subjects { name aliases phone } vehicles { registration } locations { postcode } } }`;

interface Seen { id: string; reference: string; desk: string | null; receivedAt: string; values: string[] }
/** A report as `token` may read it (null: FORBIDDEN), with its indexed values. */
async function readAs(token: string, id: string): Promise<Seen | null> {
  const res = await app.gql(CONTENT, { id }, token);
  if (res.errors) {
    expect(res.errors[0]!.extensions?.code).toBe('FORBIDDEN');
    return null;
  }
  const r = res.data.report;
  const values = [
    ...(r.subjects ?? []).flatMap((s: { name: string | null; aliases: string[] | null; phone: string | null }) => [s.name, ...(s.aliases ?? []), s.phone]),
    ...(r.vehicles ?? []).map((v: { registration: string | null }) => v.registration),
    ...(r.locations ?? []).map((l: { postcode: string | null }) => l.postcode),
  ].filter((v): v is string => !!v);
  return { id: r.id, reference: r.reference, desk: r.desk, receivedAt: r.receivedAt, values };
}

type Node = Record<string, unknown> & { id: string; kind: string; label: string };
type Edge = { id: string; kind: string; source: string; target: string; reasons: string[]; manual: boolean };

/**
 * Walks a chart as `token` sees it: every report node is a report the viewer
 * reads; every value node is held by two of them; one placeholder per desk
 * at most, joined only by HELD edges from readable reports; and nothing of
 * any report the viewer may not read (its id, reference, time, or a value
 * that no readable report holds) appears anywhere in the answer.
 */
async function walk(token: string, rootId: string, depth: number) {
  const res = await app.gql(NEIGHBOURHOOD, { id: rootId, depth }, token);
  expect(res.errors).toBeUndefined();
  const chart = res.data.reportNeighbourhood as { nodes: Node[]; edges: Edge[]; truncated: string[]; timeline: Record<string, unknown>[] };
  const seen = new Map<string, Seen>();
  for (const node of chart.nodes.filter((n) => n.kind === 'REPORT')) {
    const read = await readAs(token, String(node.reportId));
    expect(read, `report node ${node.reference} is readable by the viewer`).not.toBeNull();
    expect(node).toMatchObject({ reference: read!.reference, desk: read!.desk, receivedAt: read!.receivedAt });
    seen.set(node.id, read!);
  }
  const readableValues = [...seen.values()].flatMap((s) => s.values.map((v) => v.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '')));
  for (const node of chart.nodes.filter((n) => n.kind === 'ENTITY')) {
    const norm = node.label.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');
    const holders = [...seen.values()].filter((s) => s.values.some((v) => v.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '') === norm));
    expect(holders.length, `value node ${node.label} is held by two readable reports`).toBeGreaterThanOrEqual(2);
  }
  const placeholders = chart.nodes.filter((n) => n.kind === 'PLACEHOLDER');
  expect(new Set(placeholders.map((p) => p.desk)).size).toBe(placeholders.length);
  for (const p of placeholders) {
    // A placeholder says its desk and nothing else: no reference, time, status, count.
    expect(Object.entries(p).filter(([k, v]) => v !== null && !['id', 'kind', 'label', 'desk'].includes(k))).toEqual([]);
    expect(p.label).toMatch(/^(held by SO1[23]|awaiting triage)$/);
  }
  const ids = new Set(chart.nodes.map((n) => n.id));
  const placeholderIds = new Set(placeholders.map((p) => p.id));
  for (const e of chart.edges) {
    expect(ids.has(e.source) && ids.has(e.target), `edge ${e.id} joins nodes of the chart`).toBe(true);
    if (placeholderIds.has(e.source) || placeholderIds.has(e.target)) {
      // Into a placeholder only, from a readable report, saying nothing of how it matched.
      expect(e).toMatchObject({ kind: 'HELD', reasons: [], manual: false });
      expect(seen.has(e.source) && placeholderIds.has(e.target)).toBe(true);
    } else {
      expect(seen.has(e.source), `edge ${e.id} starts at a readable report`).toBe(true);
    }
  }
  for (const event of chart.timeline) expect([...seen.values()].some((s) => s.id === event.reportId)).toBe(true);
  // Everything the supervisor knows of the reports this viewer may not read: none of it in the answer.
  const text = JSON.stringify(chart);
  for (const id of Object.values(world.ids)) {
    if ([...seen.values()].some((s) => s.id === id)) continue;
    const hidden = (await readAs(supervisor.token, id))!;
    for (const secret of [hidden.id, hidden.reference, hidden.receivedAt]) expect(text, `${hidden.reference}`).not.toContain(secret);
    for (const value of hidden.values) {
      if (readableValues.includes(value.toUpperCase().replace(/[^\p{L}\p{N}]/gu, ''))) continue; // also the viewer's own report's value
      expect(text).not.toContain(value);
    }
  }
  return { chart, seen };
}

describe('the link chart as an adversary', () => {
  it('an SO12 investigator charting the SO12 report sees the SO13 side as one placeholder, at both depths', async () => {
    for (const depth of [1, 2]) {
      const { chart, seen } = await walk(so12.token, world.ids.C, depth);
      expect([...seen.values()].map((s) => s.id)).toEqual([world.ids.C]);
      // A and E are both SO13 (two reports): one node, and nothing of how many.
      expect(chart.nodes.filter((n) => n.kind === 'PLACEHOLDER').map((n) => n.label)).toEqual(['held by SO13']);
      expect(chart.edges.filter((e) => e.kind === 'HELD')).toHaveLength(1);
      expect(chart.nodes.filter((n) => n.kind === 'ENTITY')).toEqual([]);
      expect(chart.timeline.every((e) => e.reportId === world.ids.C)).toBe(true);
    }
  });

  it('an SO13 investigator charting A reaches B and D, never E behind the SO12 report', async () => {
    const { seen } = await walk(so13.token, world.ids.A, 2);
    expect(new Set([...seen.values()].map((s) => s.id))).toEqual(new Set([world.ids.A, world.ids.B, world.ids.D]));
  });

  it('an SO13 investigator cannot chart the SO12 report at all, nor export its chart', async () => {
    for (const depth of [1, 2]) {
      const res = await app.gql(NEIGHBOURHOOD, { id: world.ids.C, depth }, so13.token);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.data?.reportNeighbourhood ?? null).toBeNull();
    }
    expect((await app.gql(EXPORT_CHART, { id: world.ids.C, depth: 1 }, so13.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a call handler and an auditor get no chart of any report, and learn nothing from the refusal', async () => {
    for (const who of [handler, auditor]) {
      const answers = new Set<string>();
      for (const id of [...Object.values(world.ids), 'no-such-report']) {
        for (const depth of [1, 2]) {
          const res = await app.gql(NEIGHBOURHOOD, { id, depth }, who.token);
          expect(res.data?.reportNeighbourhood ?? null).toBeNull();
          answers.add(JSON.stringify(res.errors?.map((e) => ({ code: e.extensions?.code, message: e.message }))));
        }
        const exported = await app.gql(EXPORT_CHART, { id, depth: 1 }, who.token);
        expect(exported.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      // The same refusal for every report, known or not (the policy refuses before any row is looked up).
      expect(answers.size).toBe(1);
      expect([...answers][0]).toContain('FORBIDDEN');
    }
  });
});
