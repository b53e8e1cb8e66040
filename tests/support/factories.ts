/** Factories: staff users and partners, created through the real services. */
import { randomUUID } from 'node:crypto';
import type { Desk, Role } from '../../src/auth/types.js';
import type { TestApp } from './app.js';

export const PASSWORD = 'correct horse battery staple';

export async function createStaff(app: TestApp, roles: Role[] | Role, desk: Desk | null = null) {
  const list = Array.isArray(roles) ? roles : [roles];
  const username = `${list[0]!.toLowerCase().replace('_', '-')}-${randomUUID().slice(0, 8)}`;
  const user = await app.deps.services.auth.createUser({ username, password: PASSWORD, roles: list, desk: desk ?? (list.includes('INVESTIGATOR') ? 'SO12' : null) }, 'cli');
  const { token } = await app.deps.services.auth.login(username, PASSWORD, `test-${randomUUID()}`);
  return { user, token, username };
}

export async function createPartner(app: TestApp, name = `Partner ${randomUUID().slice(0, 8)}`) {
  const { partner, apiKey } = await app.deps.services.auth.createPartner(name, 'cli');
  return { partner, apiKey, name };
}
