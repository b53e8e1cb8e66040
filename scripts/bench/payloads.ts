/**
 * Bench payloads: the tests' realistic hotline calls (1–4 KiB narratives, a
 * caller two times in three, a subject, a vehicle, a location), with the
 * linkable values made distinct per call so that linking happens at a
 * controlled rate: one call in LINK_EVERY reuses the vehicle of an earlier
 * call and is linked to it by the worker. The tests' own payloads draw
 * subject names from seven and postcodes from 180, so at bench volumes every
 * report would share terms with hundreds of others; that is not a hotline's
 * traffic, and it would measure the 50-candidate cap of linking instead.
 */
import { hotlineCall } from '../../tests/support/payloads.js';

/** One call in this many shares a vehicle registration with an earlier call. */
export const LINK_EVERY = 20;

const FIRST = ['Adam', 'Bilal', 'Chloé', 'Darren', 'Ewa', 'Farid', 'Gareth', 'Hana', 'Imran', 'Joanna', 'Kwame', 'Leila', 'Marek', 'Nadia', 'Owen', 'Priya'];
const SYLLABLES = ['ab', 'bar', 'cor', 'dan', 'el', 'fen', 'gar', 'hol', 'ist', 'jon', 'kel', 'lor', 'mar', 'nor', 'os', 'pen', 'quin', 'ros', 'sal', 'tor', 'ul', 'ver', 'wen', 'yar'];
const LETTERS = 'ABCDEFGHJKLMNOPRSTUVWXY';
const AREAS = ['E', 'N', 'SE', 'SW', 'W', 'NW', 'EC', 'WC', 'IG', 'RM', 'HA', 'UB', 'CR', 'BR', 'DA', 'EN'];

/** Base-n digits of i (least significant first), `count` of them. */
function digits(i: number, base: number, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++, i = Math.floor(i / base)) out.push(i % base);
  return out;
}

/** A distinct surname per i: three syllables (13 824 combinations) and a first name. */
export function subjectName(i: number): string {
  const [a, b, c] = digits(i, SYLLABLES.length, 3) as [number, number, number];
  const surname = SYLLABLES[a]! + SYLLABLES[b]! + SYLLABLES[c]!;
  return `${FIRST[Math.floor(i / 13_824) % FIRST.length]} ${surname[0]!.toUpperCase()}${surname.slice(1)}`;
}

/** A distinct current-style UK registration per i (AB12 CDE). */
export function registration(i: number): string {
  const [l1, l2, l3, l4, l5] = digits(i, LETTERS.length, 5) as [number, number, number, number, number];
  return `${LETTERS[l1]}${LETTERS[l2]}${String(51 + (Math.floor(i / 6_436_343) % 24)).padStart(2, '0')} ${LETTERS[l3]}${LETTERS[l4]}${LETTERS[l5]}`;
}

/** A distinct postcode-shaped value per i (area, district, sector, unit). */
export function postcode(i: number): string {
  const [d, s, u1, u2] = digits(i, 20, 4) as [number, number, number, number];
  return `${AREAS[Math.floor(i / 160_000) % AREAS.length]}${d + 1} ${s % 10}${LETTERS[u1]}${LETTERS[u2]}`;
}

/** The i-th bench call: the tests' payload with distinct linkable values (see LINK_EVERY). */
export function benchCall(i: number) {
  const base = hotlineCall(i);
  const vehicleOf = i > LINK_EVERY && i % LINK_EVERY === 0 ? i - 7 : i;
  return {
    ...base,
    subjects: base.subjects.map((s) => ({ ...s, name: subjectName(i) })),
    vehicles: base.vehicles.map((v) => ({ ...v, registration: registration(vehicleOf) })),
    locations: base.locations.map((l) => ({ ...l, postcode: postcode(i) })),
  };
}
