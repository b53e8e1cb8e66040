/**
 * The test factories (tests/support/factories.ts) on a database an earlier
 * process already seeded, as the bench and the chaos seed use them: the
 * factory's two admins exist and the host CLI's bootstrap is closed, so the
 * second process signs them in instead of making them again.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { testEnv } from '../support/app.js';
import { createUserWithRoles, PASSWORD } from '../support/factories.js';

describe('factories', () => {
  it('create approved users from a second process on the same database', async () => {
    const config = loadConfig(testEnv());
    for (const username of ['first.process', 'second.process']) {
      const deps = await createDeps(config, pino({ level: 'silent' }));
      try {
        const user = await createUserWithRoles(deps, { username, password: PASSWORD, roles: ['AUDITOR'], desk: null });
        expect(user.roles).toEqual(['AUDITOR']);
        expect((await deps.database.db.collection('users').findOne({ username }))?.roles).toEqual(['AUDITOR']);
      } finally {
        if (username === 'second.process') await deps.database.db.dropDatabase();
        await deps.close();
      }
    }
  });
});
