import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { decide, loadRuleSet } from '../../src/triage/rules.js';

const rules = loadRuleSet(join(PROJECT_ROOT, 'schema', 'routing-rules.json'));
const r = (categories: string[], imminentThreat = false) => ({ categories: categories as never, imminentThreat });

describe('routing rules', () => {
  it('sends imminent threats to SO13 at P1', () => {
    expect(decide(rules, r(['OTHER'], true), 'SUBSTANTIAL')).toMatchObject({ desk: 'SO13', priority: 'P1', reasons: ['rule:imminent-threat'], ruleSetVersion: rules.version });
  });

  it('applies the default desks per category', () => {
    for (const c of ['SUSPICIOUS_ITEM', 'HOSTILE_RECONNAISSANCE', 'STORAGE']) expect(decide(rules, r([c]), 'LOW').desk).toBe('SO13');
    for (const c of ['RECRUITMENT_OR_BEHAVIOUR_CHANGE', 'EXTREMIST_MATERIAL', 'FINANCE', 'ACCOMMODATION', 'ONLINE_ACTIVITY', 'TRAVEL']) {
      expect(decide(rules, r([c]), 'LOW').desk).toBe('SO12');
    }
    expect(decide(rules, r(['OTHER']), 'LOW')).toMatchObject({ desk: 'SO12', priority: 'P4', reasons: ['rule:default'] });
  });

  it('lets SO13 win over SO12 and the most urgent priority win', () => {
    const d = decide(rules, r(['FINANCE', 'STORAGE', 'HOSTILE_RECONNAISSANCE']), 'LOW');
    expect(d.desk).toBe('SO13');
    expect(d.priority).toBe('P2');
    expect(d.reasons).toEqual(['rule:hostile-reconnaissance', 'rule:storage', 'rule:finance']);
  });

  it('raises priorities at SEVERE and CRITICAL, never above P1', () => {
    expect(decide(rules, r(['ACCOMMODATION']), 'SUBSTANTIAL').priority).toBe('P4');
    expect(decide(rules, r(['ACCOMMODATION']), 'SEVERE')).toMatchObject({ priority: 'P3', reasons: ['rule:accommodation', 'threat-level:SEVERE'] });
    expect(decide(rules, r(['ACCOMMODATION']), 'CRITICAL').priority).toBe('P2');
    expect(decide(rules, r(['SUSPICIOUS_ITEM']), 'CRITICAL').priority).toBe('P1');
    expect(decide(rules, r([], true), 'CRITICAL').priority).toBe('P1');
  });

  it("sends a linked report to the open report's desk, at no lower priority", () => {
    const d = decide(rules, r(['FINANCE']), 'LOW', [{ desk: 'SO13', priority: 'P2', reference: 'ATH-2026-000001' }]);
    expect(d).toMatchObject({ desk: 'SO13', priority: 'P2' });
    expect(d.reasons).toContain('linked-desk:SO13');
    expect(d.reasons.join()).not.toContain('ATH-'); // reasons outlive the other report's erasure: no reference in them
    const lower = decide(rules, r([], true), 'LOW', [{ desk: 'SO12', priority: 'P4', reference: 'ATH-2026-000002' }]);
    expect(lower).toMatchObject({ desk: 'SO12', priority: 'P1' });
  });

  it('refuses an invalid rules file with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ ...rules, rules: [{ id: 'x', when: {}, desk: 'SO99', priority: 'P9' }] }));
    expect(() => loadRuleSet(file)).toThrow(/invalid.*rules\.0/);
    writeFileSync(file, '{ not json');
    expect(() => loadRuleSet(file)).toThrow(/routing rules/);
  });
});
