/**
 * Admin CLI commands for requests that need a second admin
 * (src/auth/separation.ts): role grants, and the re-enable, desk move and
 * second-factor reset requests made in the API, the console or the CLI. Deciding a grant acts as a named admin who signs
 * in with their password on stdin (src/auth/acting-admin.ts): the CLI host
 * cannot approve on its own, and the requester cannot approve their own grant.
 */
import { actAsAdmin } from '../../src/auth/acting-admin.js';
import type { Deps } from '../../src/deps.js';

type Values = Record<string, unknown> & { _?: string[] };

/** The acting admin's password (first line of stdin) and, when their account has a second factor, a current code (second line). */
export async function readCredentials(): Promise<{ password: string; code: string | null }> {
  if (process.stdin.isTTY) throw new Error('--password-stdin reads the acting admin\'s password (and a second-factor code on the next line) from standard input (pipe it in)');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const [password = '', code = ''] = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  return { password, code: code.trim() || null };
}

function decision(kind: 'approve' | 'reject') {
  return {
    needsDeps: true,
    positionals: 1,
    options: { as: { type: 'string' as const }, 'password-stdin': { type: 'boolean' as const } },
    async run(deps: Deps, v: Values) {
      const id = v._?.[0];
      const as = typeof v.as === 'string' ? v.as.trim() : '';
      if (!id || !as || !v['password-stdin']) throw new Error(`usage: grants:${kind} <grant id> --as <admin username> --password-stdin`);
      const { password, code } = await readCredentials();
      const grant = await actAsAdmin(deps.services.auth, as, password, code, (admin) =>
        kind === 'approve' ? deps.services.auth.approveRoleGrant(id, admin) : deps.services.auth.rejectRoleGrant(id, admin),
      );
      const what = (grant.kind ?? 'ROLES') === 'ROLES' ? grant.roles.join(', ') : `${grant.kind}${grant.desk ? ` ${grant.desk}` : ''}`;
      console.log(`${grant.status} grant ${grant._id}: ${what} for ${grant.username} (decided by ${as})`);
      return 0;
    },
  };
}

export const grantCommands = {
  'grants:list': {
    needsDeps: true,
    options: {},
    async run(deps: Deps) {
      const pending = await deps.services.auth.pendingRoleGrants();
      if (!pending.length) console.log('no pending requests');
      for (const g of pending) {
        const what = (g.kind ?? 'ROLES') === 'ROLES' ? g.roles.join(',') : `${g.kind}${g.desk ? ` ${g.desk}` : ''}`;
        console.log(`${g._id}  ${g.username}  ${what}  requested by ${g.requestedBy.name ?? g.requestedBy.id} at ${g.requestedAt.toISOString()}${g.reason ? `  (${g.reason})` : ''}`);
      }
      return 0;
    },
  },
  'grants:approve': decision('approve'),
  'grants:reject': decision('reject'),
};
