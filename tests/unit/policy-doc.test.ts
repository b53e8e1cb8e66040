import { describe, expect, it } from 'vitest';
import { policyTable, readmeTable } from '../../scripts/print/print-policy.js';

describe('README role × operation table', () => {
  it('is the table generated from src/auth/policy.ts (run `npx tsx scripts/print/print-policy.ts --write`)', () => {
    expect(readmeTable()).toBe(policyTable());
  });
});
