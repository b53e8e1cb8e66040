/** Admin commands that belong to the encryption and audit domains. */
import { runAuditVerify } from '../src/audit/verify-cli.js';
import type { Deps } from '../src/deps.js';
import { rotateDataKeys } from '../src/reports/rotation.js';

export const extraCommands = {
  'audit:verify': {
    needsDeps: true,
    options: {},
    run: (deps: Deps) => runAuditVerify(deps.database.db, (line: string) => console.log(line)),
  },
  'keys:rotate': {
    needsDeps: true,
    options: {},
    async run(deps: Deps) {
      const current = deps.crypto.keyring.currentId;
      console.log(`re-wrapping data keys under master key ${current}...`);
      const result = await rotateDataKeys(deps.reports, deps.crypto, (p) => console.log(`  ${p.rewrapped} re-wrapped, ${p.remaining} to go`));
      await deps.services.audit.record({
        action: 'keys.rotate',
        actor: { type: 'system', id: 'admin-cli' },
        target: { type: 'keys', id: current },
        outcome: result.failed.length ? 'failure' : 'success',
        details: { rewrapped: result.rewrapped, failed: result.failed.length },
      });
      if (result.failed.length) {
        console.log(`done with errors: ${result.failed.length} data key(s) could not be opened (is the old master key in HOTLINE_PREVIOUS_MASTER_KEYS?)`);
        return 1;
      }
      console.log(`done: ${result.rewrapped} re-wrapped; every data key is now under ${current}. The previous master key can be removed from the configuration.`);
      return 0;
    },
  },
};
