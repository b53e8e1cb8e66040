/** Realistic, varied intake payloads for tests and benchmarks. */
import { randomUUID } from 'node:crypto';

const NAMES = ['Adam Clarke', 'Bilal Hussain', 'Chloé Dubois', 'Darren O’Neill', 'Ewa Kowalska', 'Farid Haddad', 'Gareth Jones'];
const MAKES = [
  ['Ford', 'Transit', 'white'],
  ['Vauxhall', 'Astra', 'silver'],
  ['Toyota', 'Prius', 'black'],
  ['Renault', 'Kangoo', 'red'],
];
const SENTENCES = [
  'The caller says a neighbour has been storing large numbers of gas canisters in a rented lock-up garage.',
  'He has been seen photographing the entrances to the station at different times of day.',
  'A van has been parked outside for three nights and the driver stays inside with the engine running.',
  'Her brother stopped seeing old friends and now spends nights watching videos she finds frightening.',
  'Someone paid six months rent in cash for a flat and nobody has been seen going in or out.',
];

const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!;

export function narrative(bytes: number, seed = 0): string {
  let out = '';
  for (let i = seed; out.length < bytes; i++) out += `${pick(SENTENCES, i)} `;
  return out.slice(0, bytes).trim();
}

export function plate(i: number): string {
  const letters = 'ABCDEFGHJKLMNOPRSTUVWXY';
  return `${letters[i % 23]}${letters[(i >> 3) % 23]}${String(10 + (i % 80)).padStart(2, '0')} ${letters[(i >> 5) % 23]}${letters[(i >> 7) % 23]}${letters[(i >> 9) % 23]}`;
}

/** One word per decimal digit, each its own consonant sound (Double Metaphone H K L M N P R S T F). */
const DIGIT_WORDS = ['Ha', 'Ke', 'Lo', 'Mi', 'Nu', 'Pa', 'Ro', 'Si', 'Tu', 'Vo'];

/**
 * A subject name that neither equals nor sounds like that of any other `i`
 * (`Subject Ke Ha Lo` for 102): names that sound alike make possible links,
 * so load tests whose reports should mostly not link need names that differ
 * in sound, not only in digits (Double Metaphone ignores digits: every
 * `Subject run-17` sounds the same).
 */
export function distinctName(i: number, prefix = 'Subject'): string {
  return `${prefix} ${[...String(i)].map((d) => DIGIT_WORDS[Number(d)]).join(' ')}`;
}

export function hotlineCall(i = 0, overrides: Record<string, unknown> = {}) {
  const [make, model, colour] = pick(MAKES, i);
  return {
    idempotencyKey: `call-${randomUUID()}`,
    channel: 'ANTI_TERRORIST_HOTLINE',
    callDurationSeconds: 300 + (i % 600),
    caller: i % 3 === 0 ? null : { name: pick(NAMES, i + 3), phone: `020 7946 ${String(1000 + (i % 9000)).padStart(4, '0')}`, mayRecontact: i % 2 === 0 },
    narrative: narrative(1024 + (i % 4) * 1024, i),
    categories: [pick(['STORAGE', 'HOSTILE_RECONNAISSANCE', 'RECRUITMENT_OR_BEHAVIOUR_CHANGE', 'FINANCE', 'TRANSPORT'], i)],
    imminentThreat: false,
    borough: pick(['CAMDEN', 'NEWHAM', 'BRENT', 'UNKNOWN'], i),
    subjects: [{ name: pick(NAMES, i), approximateAge: '30s', description: 'Tall, short dark hair, grey hoodie' }],
    vehicles: [{ registration: plate(i), make, model, colour }],
    locations: [{ address: `${10 + (i % 90)} Example Road, London`, postcode: `E${1 + (i % 20)} ${1 + (i % 9)}AB` }],
    ...overrides,
  };
}

export function partnerReferral(i = 0, overrides: Record<string, unknown> = {}) {
  const { caller: _c, channel: _ch, callDurationSeconds: _d, ...rest } = hotlineCall(i);
  return { ...rest, idempotencyKey: `ref-${randomUUID()}`, partnerReference: `CASE-${1000 + i}`, ...overrides };
}

export const RECORD_CALL = `mutation($input: HotlineCallInput!) {
  recordHotlineCall(input: $input) { id reference status receivedAt imminentThreat urgentAction categories }
}`;
export const SUBMIT_REFERRAL = `mutation($input: PartnerReferralInput!) { submitPartnerReferral(input: $input) { receipt receivedAt urgentAction } }`;
export const REFERRAL_STATUS = `query($r: String!) { partnerReferralStatus(receipt: $r) { receipt receivedAt state } }`;
