import { Binary } from 'mongodb';
import type { AuditAction } from '../../../src/audit/actions.js';
import { describe, expect, it } from 'vitest';
import { AuditRejectedError, isSensitiveKey, sanitizeActor, sanitizeDetails, sanitizeEvent } from '../../../src/audit/details.js';

describe('audit details', () => {
  it('refuses keys named like content, caller identity or credentials, at any depth', () => {
    for (const key of ['narrative', 'caller', 'callerPhone', 'caller_name', 'callername', 'password', 'passwordHash', 'token', 'sessionToken', 'key', 'apiKey', 'api_key', 'APIKey', 'plaintext', 'content', 'dataKey', 'email', 'secret']) {
      expect(isSensitiveKey(key), key).toBe(true);
      expect(() => sanitizeDetails({ nested: [{ [key]: 'x' }] }), key).toThrow(AuditRejectedError);
    }
  });

  it('accepts the keys the services use today', () => {
    const details = {
      username: 'alice', reason: 'bad_password', roles: ['AUDITOR'], desk: 'SO12', count: 2, name: 'CST', reference: 'HL-1',
      fromStatus: 'NEW', toStatus: 'ASSIGNED', fromDesk: 'SO13', fromAssignee: 'u1', toAssignee: 'u2', fields: ['caller'],
      valid: true, length: 3, brokenAt: null, source: 'HOTLINE', channel: 'phone', imminentThreat: false, purpose: 'link-confirmation',
      candidates: ['r1'], linked: [], from: 1, to: 2, priority: 'P1', reasons: ['x'], ruleSetVersion: 3, threatLevel: 'SEVERE',
      rewrapped: 4, failed: 0, retentionDays: 30, due: 1, monkey: 'a word containing "key"',
    };
    expect(sanitizeDetails(details)).toEqual(details);
  });

  it('never puts the refused value in the error message', () => {
    const err = (() => {
      try {
        sanitizeDetails({ outer: { narrative: 'the informant said...' } });
      } catch (e) {
        return e as Error;
      }
      throw new Error('not refused');
    })();
    expect(err.message).toContain('details.outer.narrative');
    expect(err.message).toContain('sensitive');
    expect(err.message).not.toContain('informant');
  });

  it('refuses bytes, which may be ciphertext', () => {
    expect(() => sanitizeDetails({ blob: new Uint8Array([1]) })).toThrow(/binary/);
    expect(() => sanitizeDetails({ list: [Buffer.from('x')] })).toThrow(/binary/);
    expect(() => sanitizeDetails({ b: new Binary(Buffer.from('x')) })).toThrow(/binary/);
  });

  it('refuses what is not plain JSON or that MongoDB would store differently', () => {
    expect(() => sanitizeDetails({ n: Number.NaN })).toThrow(/finite/);
    expect(() => sanitizeDetails({ m: new Map() })).toThrow(/plain/);
    expect(() => sanitizeDetails({ $where: 1 })).toThrow(/cannot store/);
    expect(() => sanitizeDetails({ 'a.b': 1 })).toThrow(/cannot store/);
    expect(() => sanitizeDetails({ s: 'bad \ud800 text' })).toThrow(/well-formed/);
    expect(() => sanitizeDetails({ big: 'x'.repeat(20_000) })).toThrow(/exceed/);
  });

  it('drops undefined members, which the driver would otherwise store as null and break the hash', () => {
    expect(sanitizeDetails({ a: undefined, b: [undefined, 1], c: { d: undefined } })).toEqual({ b: [null, 1], c: {} });
    expect(Object.keys(sanitizeDetails({ a: undefined }))).toEqual([]);
  });

  it('cuts an actor down to type, id and name', () => {
    const user = { type: 'user' as const, id: 'u1', name: undefined, passwordHash: 'argon2...' };
    expect(sanitizeActor(user)).toEqual({ type: 'user', id: 'u1' });
    expect(() => sanitizeActor({ type: 'robot' as 'user' })).toThrow(/actor type/);
  });

  it('checks the action and outcome, and defaults outcome and target', () => {
    expect(sanitizeEvent({ action: 'report.reveal_caller', actor: { type: 'system' } })).toEqual({
      action: 'report.reveal_caller', actor: { type: 'system' }, target: null, outcome: 'success', details: {},
    });
    expect(() => sanitizeEvent({ action: 'Report Read' as AuditAction, actor: { type: 'system' } })).toThrow(/dotted/);
    expect(() => sanitizeEvent({ action: 'a.b' as AuditAction, actor: { type: 'system' }, outcome: 'maybe' as 'success' })).toThrow(/outcome/);
  });
});
