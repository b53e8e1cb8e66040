import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { decide, loadRuleSet, parseRuleSet, RulesInvalidError, type RoutedReport } from '../../src/triage/rules.js';

const rules = loadRuleSet(join(PROJECT_ROOT, 'schema', 'routing-rules.json'));
const r = (categories: string[], imminentThreat = false) => ({ categories: categories as never, imminentThreat });

describe('routing rules', () => {
  it('sends imminent threats to SO13 at P1', () => {
    expect(decide(rules, r(['OTHER'], true), 'SUBSTANTIAL')).toMatchObject({ desk: 'SO13', priority: 'P1', reasons: ['rule:imminent-threat'], ruleSetVersion: rules.versionId });
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
    expect(() => loadRuleSet(file)).toThrow(/invalid.*rule "x" \(rules\[0\]\)/);
    writeFileSync(file, '{ not json');
    expect(() => loadRuleSet(file)).toThrow(/routing rules/);
  });

  it('records a version id that tells apart two files with the same version string', () => {
    const a = parseRuleSet(JSON.stringify(raw()), 'a.json');
    const b = parseRuleSet(JSON.stringify({ ...raw(), description: 'changed' }), 'b.json');
    expect(a.version).toBe(b.version);
    expect(a.versionId).toMatch(new RegExp(`^${a.version.replace(/\./g, '\\.')}\\+[0-9a-f]{12}$`));
    expect(a.versionId).not.toBe(b.versionId);
    expect(decide(a, r(['OTHER']), 'LOW').ruleSetVersion).toBe(a.versionId);
  });
});

/** The shipped file as plain JSON, to build variants from. */
const raw = () => JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'routing-rules.json'), 'utf8'));
const withRules = (rules: unknown[]) => parseRuleSet(JSON.stringify({ ...raw(), rules }), 'test.json');
const base: RoutedReport = { imminentThreat: false, categories: ['OTHER'], borough: 'CAMDEN', channel: 'ANTI_TERRORIST_HOTLINE', source: 'HOTLINE_CALL', recordedBy: { type: 'user', id: 'u1' } };
const fromPartner = (id: string): RoutedReport => ({ ...base, channel: 'PARTNER_ORGANISATION', source: 'PARTNER_REFERRAL', recordedBy: { type: 'partner', id } });

describe('routing conditions on borough, channel, source and partner', () => {
  const set = withRules([
    { id: 'westminster', when: { boroughsAny: ['WESTMINSTER', 'CITY_OF_LONDON'] }, desk: 'SO13', priority: 'P3' },
    { id: 'advice-line', when: { channelsAny: ['COMMUNITIES_TOGETHER_LINE'] }, desk: 'SO12', priority: 'P2' },
    { id: 'partners', when: { source: 'PARTNER_REFERRAL' }, desk: 'SO12', priority: 'P3' },
    { id: 'trusted-partner', when: { partnersAny: ['p-trusted'] }, desk: 'SO13', priority: 'P2' },
    { id: 'camden-finance', when: { boroughsAny: ['CAMDEN'], categoriesAny: ['FINANCE'] }, desk: 'SO13', priority: 'P4' },
  ]);
  const fired = (report: RoutedReport) => decide(set, report, 'LOW').reasons;

  it('matches a borough from its list, and only from it', () => {
    expect(fired({ ...base, borough: 'CITY_OF_LONDON' })).toEqual(['rule:westminster']);
    expect(fired({ ...base, borough: 'HACKNEY' })).toEqual(['rule:default']);
  });

  it('matches the intake channel', () => {
    expect(decide(set, { ...base, channel: 'COMMUNITIES_TOGETHER_LINE' }, 'LOW')).toMatchObject({ desk: 'SO12', priority: 'P2', reasons: ['rule:advice-line'] });
    expect(fired({ ...base, channel: 'ONLINE' })).toEqual(['rule:default']);
  });

  it('matches the source and the partner (by id), never a hotline call', () => {
    expect(decide(set, fromPartner('p-other'), 'LOW')).toMatchObject({ desk: 'SO12', priority: 'P3', reasons: ['rule:partners'] });
    expect(decide(set, fromPartner('p-trusted'), 'LOW')).toMatchObject({ desk: 'SO13', priority: 'P2', reasons: ['rule:partners', 'rule:trusted-partner'] });
    // A user id equal to a partner id is not a partner.
    expect(fired({ ...base, recordedBy: { type: 'user', id: 'p-trusted' } })).toEqual(['rule:default']);
  });

  it('requires every condition of a rule (AND), any value of a list (OR)', () => {
    expect(fired({ ...base, categories: ['FINANCE'] })).toEqual(['rule:camden-finance']);
    expect(fired({ ...base, categories: ['TRAVEL'] })).toEqual(['rule:default']);
    expect(fired({ ...base, borough: 'BARNET', categories: ['FINANCE'] })).toEqual(['rule:default']);
  });

  it('does not match a condition on a field the report lacks', () => {
    expect(decide(set, { imminentThreat: false, categories: ['FINANCE'] }, 'LOW').reasons).toEqual(['rule:default']);
  });

  it('refuses bad conditions naming the rule id and the field', () => {
    const problems = (rules: unknown[]) => {
      try {
        withRules(rules);
      } catch (err) {
        expect(err).toBeInstanceOf(RulesInvalidError);
        return (err as RulesInvalidError).problems.join('\n');
      }
      throw new Error('accepted');
    };
    expect(problems([{ id: 'ok', when: { imminentThreat: true }, desk: 'SO13', priority: 'P1' }, { id: 'narnia', when: { boroughsAny: ['NARNIA'] }, desk: 'SO13', priority: 'P1' }])).toMatch(
      /^rule "narnia" \(rules\[1\]\) when\.boroughsAny\[0\]: /,
    );
    expect(problems([{ id: 'typo', when: { borough: 'CAMDEN' }, desk: 'SO13', priority: 'P1' }])).toMatch(/rule "typo" \(rules\[0\]\) when: .*borough/);
    expect(problems([{ id: 'empty', when: {}, desk: 'SO13', priority: 'P1' }])).toMatch(/rule "empty" .*at least one condition/);
    expect(problems([{ id: 'src', when: { source: 'HOTLINE' }, desk: 'SO13', priority: 'P1' }])).toMatch(/rule "src" \(rules\[0\]\) when\.source/);
    expect(problems([{ id: 'p', when: { partnersAny: [] }, desk: 'SO13', priority: 'P1' }])).toMatch(/rule "p" \(rules\[0\]\) when\.partnersAny/);
    expect(problems([{ id: 'ch', when: { channelsAny: ['PIGEON'] }, desk: 'SO13', priority: 'P1' }])).toMatch(/rule "ch" \(rules\[0\]\) when\.channelsAny\[0\]/);
  });
});

