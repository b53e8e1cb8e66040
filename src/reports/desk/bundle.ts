/**
 * A report exported as a signed JSON bundle, for import into a
 * case-management system: its state, decrypted content, history (reasons
 * opened) with the service's verdict on its chain, grading, links as the
 * exporter may see them (deconfliction-redacted: presenters.ts), and its
 * disseminations. Exporting decrypts, so it is audited as a read
 * (`report.read`, `purpose: 'export'`) before anything is returned, like
 * every read in disclosure.ts.
 *
 * The signature is Ed25519 over the canonical bytes of the bundle without
 * its `signature` member: UTF-8 of its canonical JSON (crypto/canonical.ts;
 * for plain JSON values the same bytes as RFC 8785's JCS: members sorted by
 * UTF-16 code units, no whitespace, ECMAScript number and string spelling),
 * by the bundle-signing key derived from HOTLINE_AUDIT_KEY
 * (crypto/integrity.ts `bundleSigning`). So a bundle is judged on its
 * canonical form: re-indented, its members reordered or a number respelt
 * (`1.0` for `1`), it still verifies, as the same content; any change of a
 * value does not. The bundle names the public key and its id; a recipient
 * checks it against the public key it was given out of band (never the one
 * inside the bundle: anyone can sign with a key of their own), and the
 * service checks it against its own keys (`verifyReportBundle`,
 * `npm run admin -- bundle:verify`).
 *
 * Verification reads the bundle's text with a strict parser
 * (audit/strict-json.ts): a member name twice in one object, a lone
 * surrogate or an integer a double cannot hold is refused before the
 * signature is looked at. `JSON.parse` keeps the last duplicate and other
 * parsers the first, so a bundle with a second `"status"` would verify on
 * one value and be imported with the other (trust review 2, item 12).
 */
import { canonicalJson } from '../../crypto/canonical.js';
import { parseStrictJson, StrictJsonError } from '../../audit/strict-json.js';
import type { Principal } from '../../auth/types.js';
import { DEFAULT_CONTENT_GROUPS, type Crypto } from '../../crypto/index.js';
import * as access from '../rules/access.js';
import { loadReport, type DeskServiceDeps } from './deps.js';
import { disseminationsOf } from './dissemination.js';
import { assertEnvelope } from '../model/envelope-mac.js';
import { verifyHistory } from '../model/history.js';
import { entrySeenBy, resolveStaffNames } from './staff-names.js';
import { disclosed, gradingCode, linkViews, userActor } from './presenters.js';
import { openHistoryReasons } from '../content/reasons.js';

export const BUNDLE_FORMAT = 'hotline-report-bundle/v1';

export interface BundleSignature {
  alg: 'Ed25519';
  /** 16 hex: a digest of the public key. */
  keyId: string;
  /** base64 of the 32-byte public key. */
  publicKey: string;
  /** base64 of the 64-byte signature over the canonical JSON of the rest of the bundle. */
  value: string;
}

export type ReportBundle = Record<string, unknown> & { format: string; signature: BundleSignature };

export interface BundleVerification {
  valid: boolean;
  /** Why it does not verify, in words (null when it does). */
  problem: string | null;
  keyId: string | null;
  reference: string | null;
}

type Signing = Pick<Crypto, 'sodium' | 'integrity'>;

/** The id of a bundle-signing public key: its first 8 bytes of BLAKE2b, in hex. */
export const bundleKeyId = (crypto: Pick<Crypto, 'sodium'>, publicKey: Uint8Array) => crypto.sodium.to_hex(crypto.sodium.crypto_generichash(8, publicKey, null));

/** What is signed: the bundle without its signature, canonically encoded (JSON types only: dates as ISO strings), as UTF-8. */
const signedBytes = (body: Record<string, unknown>) => new TextEncoder().encode(canonicalJson(body));

/** Signs a bundle body (plain JSON) with the current bundle-signing key. */
export function signBundle(crypto: Signing, body: Record<string, unknown>): ReportBundle {
  const { publicKey, privateKey } = crypto.integrity.bundleSigning;
  const value = crypto.sodium.crypto_sign_detached(signedBytes(body), privateKey);
  const signature: BundleSignature = {
    alg: 'Ed25519',
    keyId: bundleKeyId(crypto, publicKey),
    publicKey: Buffer.from(publicKey).toString('base64'),
    value: Buffer.from(value).toString('base64'),
  };
  return { ...(body as { format: string }), signature };
}

/**
 * Checks a bundle, as the text received, against the service's bundle keys,
 * current and previous: text that is not strict JSON (a duplicated member
 * name above all), any change to any member's value, or to the signature,
 * fails it. A bundle signed by an unknown key fails too, whatever key it carries.
 */
export function checkBundle(crypto: Signing, text: string): BundleVerification {
  const fail = (problem: string, keyId: string | null = null, reference: string | null = null): BundleVerification => ({ valid: false, problem, keyId, reference });
  let bundle: unknown;
  try {
    bundle = parseStrictJson(text);
  } catch (err) {
    return fail(err instanceof StrictJsonError ? `not strict JSON: ${err.message}` : 'not JSON');
  }
  if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle)) return fail('not a JSON object');
  const { signature, ...body } = bundle as Record<string, unknown>;
  const reference = typeof (body.report as { reference?: unknown } | undefined)?.reference === 'string' ? (body.report as { reference: string }).reference : null;
  if (body.format !== BUNDLE_FORMAT) return fail(`not a ${BUNDLE_FORMAT} bundle`, null, reference);
  const sig = signature as Partial<BundleSignature> | undefined;
  if (!sig || sig.alg !== 'Ed25519' || typeof sig.keyId !== 'string' || typeof sig.value !== 'string') return fail('no Ed25519 signature', null, reference);
  const key = crypto.integrity.bundleVerifyingKeys.find((k) => bundleKeyId(crypto, k) === sig.keyId);
  if (!key) return fail('signed by a key this service does not hold', sig.keyId, reference);
  if (sig.publicKey !== Buffer.from(key).toString('base64')) return fail('the public key named does not match its key id', sig.keyId, reference);
  const value = Buffer.from(sig.value, 'base64');
  if (value.length !== 64) return fail('the signature is malformed', sig.keyId, reference);
  let ok = false;
  try {
    ok = crypto.sodium.crypto_sign_verify_detached(value, signedBytes(body), key);
  } catch {
    ok = false; // a body canonicalJson refuses ("$" keys) was never signed
  }
  return ok ? { valid: true, problem: null, keyId: sig.keyId, reference } : fail('the signature does not match the content', sig.keyId, reference);
}

/** Exporting and checking bundles, on the desk service's dependencies. */
export function createBundles(deps: Pick<DeskServiceDeps, 'reports' | 'crypto' | 'audit' | 'users'>) {
  const { reports, crypto, audit } = deps;
  return {
    /** The report as a signed bundle, for its holder or a supervisor; audited as a read for export before it is returned. */
    async exportReportBundle(principal: Principal | null, id: string): Promise<ReportBundle> {
      access.assertStaff(principal);
      const doc = await loadReport(reports, id);
      assertEnvelope(crypto.integrity, doc);
      access.assertHolds(principal, doc);
      const links = await linkViews(reports, principal, doc);
      const fields = [...DEFAULT_CONTENT_GROUPS];
      const content =
        doc.content && doc.dataKey ? crypto.cipher.withDataKey(doc._id, doc.dataKey, (key) => crypto.codec.decryptContent(key, doc._id, doc.content!, { fields })) : null;
      const verification = verifyHistory(crypto.integrity, doc.history ?? []);
      const view = disclosed(principal, { ...doc, history: openHistoryReasons(crypto, doc) }, content, links);
      const d = view.doc;
      // Another desk's staff in words, never their ids or usernames (staff-names.ts), as on the report view.
      const staff = await resolveStaffNames(deps.users, principal, doc);
      const history = (d.history ?? []).map((e) => entrySeenBy(e, staff));
      const body = JSON.parse(
        JSON.stringify({
          format: BUNDLE_FORMAT,
          exportedAt: new Date(),
          exportedBy: { id: principal.userId, name: principal.username },
          report: {
            id: d._id,
            reference: d.reference,
            source: d.source,
            channel: d.channel,
            status: d.status,
            desk: d.desk,
            priority: d.priority,
            categories: d.categories,
            borough: d.borough,
            imminentThreat: d.imminentThreat,
            anonymous: d.anonymous,
            receivedAt: d.receivedAt,
            triageReasons: d.triage?.reasons ?? [],
          },
          content,
          grading: d.grading ? { code: gradingCode(d.grading), source: d.grading.source, intelligence: d.grading.intelligence, handling: d.grading.handling, gradedAt: d.grading.at } : null,
          history,
          historyVerification: verification,
          links: (view.links ?? []).map((l) => ({ reference: l.visible ? l.reference : null, desk: l.desk, readable: l.visible, manual: !!l.manual, reasons: l.reasons })),
          disseminations: disseminationsOf(history),
        }),
      ) as Record<string, unknown>;
      const bundle = signBundle(crypto, body);
      // Confidentiality over availability: no audit entry, no bundle.
      await audit.record({
        action: 'report.read',
        actor: userActor(principal),
        target: { type: 'report', id: doc._id },
        outcome: 'success',
        details: { reference: doc.reference, desk: doc.desk, status: doc.status, fields, purpose: 'export', signer: bundle.signature.keyId, historyValid: verification.valid },
      });
      return bundle;
    },

    /** Checks a bundle (its text, as received) against this service's keys, and records the check (`bundle.verify`). */
    async verifyReportBundle(actor: { type: 'user' | 'system'; id: string; name?: string }, text: string): Promise<BundleVerification> {
      const result = checkBundle(crypto, text);
      await audit.record({
        action: 'bundle.verify',
        actor,
        target: { type: 'report' },
        outcome: result.valid ? 'success' : 'failure',
        details: { reference: result.reference, signer: result.keyId, valid: result.valid, problem: result.problem },
      });
      return result;
    },
  };
}
