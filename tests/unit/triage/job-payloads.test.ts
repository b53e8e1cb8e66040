import { describe, expect, it } from 'vitest';
import { escalatePayload, InvalidJobPayloadError, markFailedPayload, parseJobPayload, routePayload } from '../../../src/triage/processor.js';

describe('triage job payloads at the worker boundary', () => {
  it('passes a well-formed payload through, typed', () => {
    expect(parseJobPayload(routePayload, { id: 1, data: { reportId: 'r-1' } })).toEqual({ reportId: 'r-1' });
    const dueBy = new Date().toISOString();
    expect(parseJobPayload(escalatePayload, { id: 2, data: { reportId: 'r-1', dueBy } })).toEqual({ reportId: 'r-1', dueBy });
    expect(markFailedPayload.safeParse({ reportId: 'r-1' }).success).toBe(true);
  });

  it.each([
    ['no payload', routePayload, undefined, '(payload)'],
    ['a numeric id', routePayload, { reportId: 42 }, 'reportId'],
    ['an empty id', routePayload, { reportId: '' }, 'reportId'],
    ['an id too long to be one', routePayload, { reportId: 'x'.repeat(65) }, 'reportId'],
    ['a deadline that is not a timestamp', escalatePayload, { reportId: 'r-1', dueBy: 'tomorrow' }, 'dueBy'],
    ['a missing deadline', escalatePayload, { reportId: 'r-1' }, 'dueBy'],
  ])('rejects %s with a clear error naming the field, and discards the job', (_name, schema, data, field) => {
    let discarded = false;
    const job = { id: 'j-7', data, queue: { name: 'triage' }, discard: () => void (discarded = true) };
    let error: unknown;
    try {
      parseJobPayload(schema, job);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidJobPayloadError);
    expect((error as InvalidJobPayloadError).code).toBe('BAD_USER_INPUT');
    expect((error as Error).message).toContain('triage job j-7 has a malformed payload');
    expect((error as Error).message).toContain(`${field}:`);
    expect(discarded).toBe(true);
  });

  it('never echoes the rejected value in its message', () => {
    const secret = 'SW1A 1AA '.repeat(10);
    expect(() => parseJobPayload(routePayload, { id: 1, data: { reportId: secret } })).toThrow(InvalidJobPayloadError);
    try {
      parseJobPayload(routePayload, { id: 1, data: { reportId: secret } });
    } catch (err) {
      expect((err as Error).message).not.toContain('SW1A');
    }
  });
});
