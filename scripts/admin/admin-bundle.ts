/** Admin command for signed report bundles (src/reports/desk/bundle.ts): checking one a recipient sends back or a case system holds. */
import { readFile } from 'node:fs/promises';
import type { Deps } from '../../src/deps.js';

export const bundleCommands = {
  'bundle:verify': {
    needsDeps: true,
    positionals: 1,
    options: {},
    /** Checks the bundle in FILE against this service's bundle keys (current and previous audit keys); audited as `bundle.verify`. Exits 1 when it does not verify. */
    async run(deps: Deps, v: { _?: string[] } = {}) {
      const file = v._?.[0];
      if (!file) {
        console.log('usage: bundle:verify FILE');
        return 64;
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        console.log(`cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
        return 1;
      }
      // The text as it is: the check parses it strictly (a duplicated member name is refused).
      const result = await deps.services.desk.verifyReportBundle({ type: 'system', id: 'admin-cli' }, text);
      if (result.valid) {
        console.log(`valid: bundle of ${result.reference} signed by key ${result.keyId}`);
        return 0;
      }
      console.log(`NOT valid: ${result.problem}${result.keyId ? ` (key ${result.keyId})` : ''}`);
      return 1;
    },
  },
};
