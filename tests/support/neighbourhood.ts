/**
 * A small linked neighbourhood across two desks, recorded through the real
 * API and routed by the real triage, for the link chart's tests:
 *
 *   A (SO13, the root) ──vehicle── B (SO13) ──name── D (SO13)
 *   A ──phone── C (SO12) ──postcode── E (SO13)
 *
 * An SO13 investigator reads A, B, D and E but not C: E is linked only
 * through C, so a chart of A must never reach it.
 */
import { expect } from 'vitest';
import type { Desk } from '../../src/auth/types.js';
import { triageProcessorOf } from '../../src/worker.js';
import type { TestApp } from './app.js';
import { findReport, Q } from './desk.js';
import { hotlineCall, RECORD_CALL } from './payloads.js';

export interface ChartWorld {
  ids: Record<'A' | 'B' | 'C' | 'D' | 'E', string>;
  refs: Record<'A' | 'B' | 'C' | 'D' | 'E', string>;
  /** The values only C and E hold (never to be shown to SO13). */
  hidden: { phoneC: string; postcodeCE: string; nameC: string; plateC: string };
}

const PLATE_AB = 'LK19 ABV';
const NAME_BD = 'Tarik Hasan';
const PHONE_AC = '07700 900461';
const POSTCODE_CE = 'NW10 7QP';

/** A call with exactly these indexed values (nothing shared by accident). */
const call = (i: number, v: { name: string; phone?: string; plate: string; postcode: string }) =>
  hotlineCall(i, {
    categories: ['STORAGE'],
    caller: null,
    subjects: [{ name: v.name, approximateAge: '30s', description: 'Seen twice', ...(v.phone ? { phone: v.phone } : {}) }],
    vehicles: [{ registration: v.plate, make: 'Ford', model: 'Transit', colour: 'White' }],
    locations: [{ address: '1 Example Road, London', postcode: v.postcode }],
  });

/**
 * `triaged`: waits for the app's own worker to triage a report (e2e); without it, the test routes each report itself.
 */
export async function buildChartWorld(app: TestApp, tokens: { handler: string; supervisor: string }, unique: number, triaged?: (id: string) => Promise<unknown>): Promise<ChartWorld> {
  const route = triageProcessorOf(app.deps).route;
  const u = String(unique).padStart(3, '0');
  const own = (tag: string) => ({ plate: `Q${u}${tag} XX`.slice(0, 8), postcode: `E${(unique % 18) + 1} ${tag.charCodeAt(0) % 9}Z${tag}` });
  const values = {
    A: { name: `Alpha Person${u}`, phone: PHONE_AC, plate: PLATE_AB, postcode: own('A').postcode },
    B: { name: NAME_BD, plate: PLATE_AB, postcode: own('B').postcode },
    C: { name: `Charlie Person${u}`, phone: PHONE_AC, plate: own('C').plate, postcode: POSTCODE_CE },
    D: { name: NAME_BD, plate: own('D').plate, postcode: own('D').postcode },
    E: { name: `Echo Person${u}`, plate: own('E').plate, postcode: POSTCODE_CE },
  };
  const desks: Record<keyof typeof values, Desk> = { A: 'SO13', B: 'SO13', C: 'SO12', D: 'SO13', E: 'SO13' };
  const ids = {} as ChartWorld['ids'];
  const refs = {} as ChartWorld['refs'];
  // C first, so that A links to it at A's triage; each report is put on its desk before the next is triaged.
  for (const [i, key] of (['C', 'E', 'A', 'B', 'D'] as const).entries()) {
    const res = await app.gql(RECORD_CALL, { input: call(unique * 10 + i, values[key]) }, tokens.handler);
    expect(res.errors).toBeUndefined();
    ids[key] = res.data.recordHotlineCall.id;
    refs[key] = res.data.recordHotlineCall.reference;
    if (triaged) await triaged(ids[key]);
    else expect(await route(ids[key])).toBe('routed');
    if ((await findReport(app, ids[key])).desk !== desks[key]) {
      const moved = await app.gql(Q.refer, { id: ids[key], desk: desks[key], reason: 'Placed for the chart test' }, tokens.supervisor);
      expect(moved.errors).toBeUndefined();
    }
  }
  return { ids, refs, hidden: { phoneC: PHONE_AC, postcodeCE: POSTCODE_CE, nameC: values.C.name, plateC: values.C.plate } };
}

export const NEIGHBOURHOOD = `query($id: ID!, $depth: Int) {
  reportNeighbourhood(id: $id, depth: $depth) {
    rootId depth truncated
    nodes { id kind label reportId reference desk status receivedAt categories depth entityKind }
    edges { id kind source target reasons manual }
    timeline { at reportId reference kind status }
  }
}`;

export const EXPORT_CHART = `mutation($id: ID!, $depth: Int!) { recordChartExport(id: $id, depth: $depth) }`;

export const SHARED = { PLATE_AB, NAME_BD, PHONE_AC, POSTCODE_CE };
