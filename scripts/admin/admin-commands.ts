/** Admin commands that belong to the encryption and audit domains. */
import { runAuditCheckpoint, runAuditVerify } from '../../src/audit/verify-cli.js';
import type { Deps } from '../../src/deps.js';
import { createUserRepository } from '../../src/auth/repository.js';
import { rotateIntegrityAndIndexKeys } from '../../src/reports/content/rotate-audit-index-keys.js';
import { rotateDataKeys } from '../../src/reports/content/rotate-master-key.js';

export const extraCommands = {
  'audit:verify': {
    needsDeps: true,
    options: {},
    run: (deps: Deps) => runAuditVerify(deps.services.audit, (line: string) => console.log(line)),
  },
  'audit:checkpoint': {
    needsDeps: true,
    options: {},
    run: (deps: Deps) => runAuditCheckpoint(deps.services.audit, (line: string) => console.log(line)),
  },
  'keys:rotate': {
    needsDeps: true,
    options: { batch: { type: 'string' as const } },
    /**
     * Rotates what the configured keys allow, in one resumable run (docs/encryption.md "Rotation"):
     * data keys re-wrapped under the current master key; reports, users, second factors, partner
     * organisations and accounts and link edges re-sealed under the current audit key and reports
     * re-indexed under the current index key. `--batch N` stops
     * after N records of each kind (run again to go on). The audit chain is anchored by a signed
     * checkpoint before (the prefix chained under the old key) and after.
     */
    async run(deps: Deps, v: { batch?: string | boolean | (string | boolean)[] } = {}) {
      const limit = typeof v.batch === 'string' ? Number.parseInt(v.batch, 10) : Number.MAX_SAFE_INTEGER;
      if (!Number.isSafeInteger(limit) || limit < 1) {
        console.log('--batch must be a positive integer');
        return 2;
      }
      const out = (line: string) => console.log(line);
      if ((await runAuditCheckpoint(deps.services.audit, out)) !== 0) {
        console.log('not rotating: the audit chain must verify (and be anchored) first');
        return 1;
      }
      const current = deps.crypto.keyring.currentId;
      console.log(`re-wrapping data keys under master key ${current}...`);
      const result = await rotateDataKeys(deps, (p) => console.log(`  ${p.rewrapped} re-wrapped, ${p.remaining} to go`));
      // What else is sealed under a master key's subkey (crypto/secret-box.ts): second-factor seeds, webhook secrets.
      const [seeds, staffHooks, partnerHooks] = [await deps.services.mfa.resealSeeds(), await deps.services.webhooks.resealSecrets(), await deps.services.partnerWebhooks.resealSecrets()];
      const hooks = { resealed: staffHooks.resealed + partnerHooks.resealed, failed: [...staffHooks.failed, ...partnerHooks.failed] };
      console.log(`  ${seeds.resealed} second-factor seed(s) and ${hooks.resealed} webhook secret(s) re-sealed (partner organisations' included)`);
      // Partner caseworker accounts: their organisations' keys (wrapped like data keys) and their second-factor seeds.
      const partnerSide = await deps.services.partnerAccounts.rotateMasterKey();
      console.log(`  ${partnerSide.rewrapped} partner organisation key(s) re-wrapped and ${partnerSide.resealed} partner second-factor seed(s) re-sealed`);
      const unopened = [...seeds.failed, ...hooks.failed, ...partnerSide.failed];
      console.log(`re-sealing under audit key ${deps.crypto.integrity.keyId} and re-indexing under index key ${deps.crypto.indexKeyId}...`);
      const sealed = await rotateIntegrityAndIndexKeys(
        { reports: deps.reports, writer: deps.writer, users: createUserRepository(deps.database.db), secondFactors: deps.services.mfa, crypto: deps.crypto, audit: deps.services.audit },
        limit,
      );
      console.log(`  ${sealed.reports} report(s), ${sealed.users} user(s), ${sealed.secondFactors} second factor(s), ${sealed.edges} link edge(s) done, ${sealed.remaining} to go; ${sealed.cards} report card(s) deleted (remade as reports are charted)`);
      // The partner side's organisations, accounts and second factors (usernames move at each holder's next sign-in).
      const partnerSealed = await deps.services.partnerAccounts.rotateAuditKey(deps.crypto.currentOnly.integrity, limit);
      console.log(`  ${partnerSealed.organisations} partner organisation(s), ${partnerSealed.accounts} partner account(s) and ${partnerSealed.secondFactors} partner second factor(s) done, ${partnerSealed.remaining} to go`);
      sealed.remaining += partnerSealed.remaining;
      sealed.failed.push(...partnerSealed.failed);
      const failed = result.failed.length + sealed.failed.length + unopened.length;
      await deps.services.audit.record({
        action: 'keys.rotate',
        actor: { type: 'system', id: 'admin-cli' },
        target: { type: 'keys', id: current },
        outcome: failed ? 'failure' : 'success',
        details: { rewrapped: result.rewrapped, resealedMfaSeeds: seeds.resealed, rewrappedPartnerOrganisations: partnerSide.rewrapped, resealedPartnerMfaSeeds: partnerSide.resealed, resealedWebhookEndpoints: hooks.resealed, failed, resealedReports: sealed.reports, resealedUsers: sealed.users, resealedSecondFactors: sealed.secondFactors, resealedPartners: partnerSealed.organisations, resealedPartnerAccounts: partnerSealed.accounts, resealedPartnerSecondFactors: partnerSealed.secondFactors, rekeyedEdges: sealed.edges, deletedCards: sealed.cards, remaining: sealed.remaining, auditKeyring: deps.crypto.integrity.keyId, indexKeyring: deps.crypto.indexKeyId },
      });
      await runAuditCheckpoint(deps.services.audit, out);
      if (result.failed.length) console.log(`done with errors: ${result.failed.length} data key(s) could not be opened (is the old master key in HOTLINE_PREVIOUS_MASTER_KEYS?) or belong to a report rolled back or put back after erasure (audited as report.integrity_failure): ${result.failed.slice(0, 20).join(', ')}`);
      if (unopened.length) console.log(`done with errors: ${unopened.length} sealed secret(s) open under no configured master key: ${unopened.slice(0, 20).join(', ')}`);
      if (sealed.failed.length) console.log(`done with errors: ${sealed.failed.length} record(s) verify under no configured audit key (tampered, or its key is not in HOTLINE_PREVIOUS_AUDIT_KEYS), or are reports rolled back or put back after erasure: ${sealed.failed.slice(0, 20).join(', ')}`);
      if (failed) return 1;
      if (sealed.remaining) {
        console.log(`partly done: ${result.rewrapped} re-wrapped; ${sealed.remaining} record(s) still to re-seal or re-index: run keys:rotate again`);
        return 3;
      }
      console.log(`done: ${result.rewrapped} re-wrapped; every data key, second-factor seed, webhook secret and partner organisation key is now under ${current}. The previous master key can be removed from the configuration.`);
      console.log('every report, user, second factor, partner organisation and account and link edge is under the current audit and index keys: the previous index key can be removed; keep the previous audit key listed as long as the audit and history entries chained under it must verify, and until every caseworker has signed in once (their usernames move to the current key then: see docs/encryption.md "Rotation").');
      return 0;
    },
  },
};
