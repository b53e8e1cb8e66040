/**
 * Integrity keys for tests that build the audit log or history chains without
 * booting the app: a fixed test audit key unless one is given, so child
 * processes appending to the same chain as their parent key it alike.
 */
import { createIntegrity, type Integrity } from '../../src/crypto/integrity.js';
import { loadSodium } from '../../src/crypto/sodium.js';

export const TEST_AUDIT_KEY = Buffer.alloc(32, 0x5a).toString('base64');

/** The integrity object the app would build from `auditKeyB64` (HOTLINE_AUDIT_KEY). */
export async function testIntegrity(auditKeyB64: string = TEST_AUDIT_KEY): Promise<Integrity> {
  return createIntegrity(await loadSodium(), new Uint8Array(Buffer.from(auditKeyB64, 'base64')));
}
