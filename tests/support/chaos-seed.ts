/**
 * Creates the people a cluster test needs (call handlers, partners,
 * investigators) through the real auth service, in the cluster's own
 * database, then disconnects: the test process holds no connection while
 * services are being killed.
 */
import { randomUUID } from 'node:crypto';
import type { Desk, Role } from '../../src/auth/types.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { createUserWithRoles } from './factories.js';

const PASSWORD = 'correct horse battery staple';

export interface SeededStaff {
  id: string;
  username: string;
  token: string;
  desk: Desk | null;
}
export interface SeededPartner {
  id: string;
  apiKey: string;
}

export async function seedPrincipals(
  env: Record<string, string>,
  spec: { staff?: { role: Role; desk?: Desk; count: number }[]; partners?: number },
): Promise<{ staff: Record<string, SeededStaff[]>; partners: SeededPartner[] }> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const deps = await createDeps(config, createLogger('silent'));
  try {
    const staff: Record<string, SeededStaff[]> = {};
    for (const s of spec.staff ?? []) {
      const group = `${s.role}${s.desk ? `:${s.desk}` : ''}`;
      staff[group] = [];
      for (let i = 0; i < s.count; i++) {
        const username = `${s.role.toLowerCase().replace('_', '-')}-${randomUUID().slice(0, 8)}`;
        const user = await createUserWithRoles(deps, { username, password: PASSWORD, roles: [s.role], desk: s.desk ?? null });
        const { token } = await deps.services.auth.login(username, PASSWORD, `seed-${randomUUID()}`);
        staff[group]!.push({ id: user.id, username, token, desk: user.desk });
      }
    }
    const partners: SeededPartner[] = [];
    for (let i = 0; i < (spec.partners ?? 0); i++) {
      const { partner, apiKey } = await deps.services.auth.createPartner(`Partner ${randomUUID().slice(0, 8)}`, 'cli');
      partners.push({ id: partner.id, apiKey });
    }
    return { staff, partners };
  } finally {
    await deps.close();
  }
}
