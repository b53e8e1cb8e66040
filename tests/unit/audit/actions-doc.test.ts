/**
 * docs/audit.md lists every audit action the system records, and nothing
 * else: an auditor reading the log a year later needs the full vocabulary.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../../src/audit/actions.js';
import { PROJECT_ROOT } from '../../../src/config.js';

describe('audit actions', () => {
  it('are all named in docs/audit.md, which names no other', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'audit.md'), 'utf8');
    const list = doc.slice(doc.indexOf('- `action` is one of `AUDIT_ACTIONS`'), doc.indexOf('- `eventKey`'));
    const named = [...list.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]);
    expect([...named].sort()).toEqual([...AUDIT_ACTIONS].sort());
  });
});
