/**
 * Shared fixtures for the crypto unit tests: keys, a fully populated report
 * and an assertion that a failure is a DecryptionError that leaks nothing.
 */
import { expect } from 'vitest';
import { DecryptionError } from '../../../src/errors.js';
import type { ReportContent } from '../../../src/reports/model/content.js';
import { createCrypto, type Crypto, type CryptoConfig } from '../../../src/crypto/index.js';
import { loadSodium } from '../../../src/crypto/sodium.js';

export async function randomKey(): Promise<Uint8Array> {
  const sodium = await loadSodium();
  return sodium.randombytes_buf(32);
}

/** A key with a fixed value, for tests that must be deterministic. */
export function fixedKey(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

export async function makeCrypto(config: Partial<CryptoConfig> = {}): Promise<Crypto> {
  return createCrypto({
    masterKey: config.masterKey ?? (await randomKey()),
    previousMasterKeys: config.previousMasterKeys ?? [],
    indexKey: config.indexKey ?? (await randomKey()),
    auditKey: config.auditKey ?? (await randomKey()),
    ...(config.blindIndexBits ? { blindIndexBits: config.blindIndexBits } : {}),
  });
}

/** Every encrypted field populated, with values distinctive enough to search for. */
export function fullReport(): ReportContent {
  return {
    narrative: 'Caller saw two men loading gas cylinders into a white van behind the shop at night. '.repeat(20),
    caller: {
      name: 'Callista Witnessworth',
      phone: '07700 900123',
      email: 'callista@example.org',
      address: '12 Callerside Road, Leeds',
      preferredContactTimes: 'weekday evenings after 7pm',
      language: 'Tigrinya',
      interpreter: 'Language Line interpreter 40417',
      safeContact: 'only Callista herself; never her brother Quentin',
      leaveMessage: 'NO',
    },
    subjects: [
      {
        name: 'Zebedee Quorndon',
        aliases: ['Zeb', 'The Quorn'],
        dateOfBirth: '1987-03-04',
        approximateAge: 'late thirties',
        description: 'tall, shaved head, scar over left eyebrow',
        address: '4 Suspect Mews, London',
        phone: '+44 20 7946 0000',
      },
      {
        name: 'José O\'Neill',
        aliases: [],
        dateOfBirth: null,
        approximateAge: '20s',
        description: 'slim, beard',
        address: null,
        phone: null,
      },
    ],
    vehicles: [{ registration: 'AB12 CDE', make: 'Ford', model: 'Transit', colour: 'white', notes: 'dent on rear door' }],
    locations: [{ address: '99 Warehouse Lane, Dagenham', postcode: 'RM10 8AA', description: 'yard behind the shop' }],
    partnerReference: 'PARTNER-REF-8841',
    callNotes: {
      emergencyHandOffAt: '2026-03-04T21:17:00.000Z',
      emergencyReference: 'CAD 4471/04MAR',
      dangerNow: 'no one in danger this minute, they left at 9',
      where: 'the yard behind the Dagenham shop',
      when: 'every Tuesday night around nine',
      who: 'the two brothers from number 4',
      vehicles: 'the white Transit with a dented door',
      weapons: 'saw what looked like a machete',
      howKnown: 'watches from her kitchen window',
    },
    researchNotes: [
      { id: 'note-a', text: 'PNC check on the plate returned a lapsed insurance record.' },
      { id: 'note-b', text: 'Open source search found a matching social profile.' },
    ],
  };
}

/** Every plaintext string of a report, to prove none leaks. */
export function plaintextStrings(content: ReportContent): string[] {
  const out: string[] = [];
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key !== 'id') out.push(value);
    } else if (Array.isArray(value)) value.forEach((v) => visit(v));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => visit(v, k));
  };
  visit(content);
  return out.filter((s) => s.length >= 3);
}

/**
 * Asserts `run` throws a DecryptionError (code DATA_INTEGRITY) for the given
 * record and field, whose message and JSON carry none of `secrets`.
 */
export function expectDecryptionError(
  run: () => unknown,
  where: { recordId?: string; fieldPath?: string; reason?: RegExp },
  secrets: string[] = [],
): DecryptionError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DecryptionError);
  const error = caught as DecryptionError;
  expect(error.code).toBe('DATA_INTEGRITY');
  if (where.recordId !== undefined) expect(error.recordId).toBe(where.recordId);
  if (where.fieldPath !== undefined) expect(error.fieldPath).toBe(where.fieldPath);
  if (where.reason) expect(error.message).toMatch(where.reason);
  const visible = `${error.message} ${JSON.stringify(error)} ${JSON.stringify(error.extensions)}`;
  for (const secret of secrets) expect(visible).not.toContain(secret);
  return error;
}
