/**
 * Admin CLI commands for the routing rules (src/triage/rules-holder.ts).
 * `rules:check <file>` validates any file and changes nothing (no services
 * needed: check a file before putting it in place); `rules:reload` makes the
 * service re-read its configured file, audited, and tells every worker and
 * API instance through Redis.
 */
import type { Deps } from '../../src/deps.js';
import { loadRuleSet, RulesInvalidError } from '../../src/triage/rules.js';

type Values = Record<string, unknown> & { _?: string[] };

export const rulesCommands = {
  'rules:check': {
    needsDeps: false,
    positionals: 1,
    options: {},
    async run(_deps: Deps, v: Values) {
      const file = v._?.[0];
      if (!file) throw new Error('usage: rules:check <file>');
      try {
        const rules = loadRuleSet(file);
        console.log(`valid: ${rules.rules.length} rules, version id ${rules.versionId}`);
        return 0;
      } catch (err) {
        if (!(err instanceof RulesInvalidError)) throw err;
        console.error(`invalid: ${file}`);
        for (const p of err.problems) console.error(`  ${p}`);
        return 1;
      }
    },
  },
  'rules:reload': {
    needsDeps: true,
    options: {},
    async run(deps: Deps) {
      try {
        const { rules, previous, changed } = await deps.services.routingRules.reload('cli');
        console.log(changed ? `reloaded: ${previous} -> ${rules.versionId} (${rules.rules.length} rules); workers follow within moments` : `unchanged: ${rules.versionId} already in force`);
        return 0;
      } catch (err) {
        if (!(err instanceof RulesInvalidError)) throw err;
        console.error(`refused: ${err.file} is invalid; the rules in force stay`);
        for (const p of err.problems) console.error(`  ${p}`);
        return 1;
      }
    },
  },
};
