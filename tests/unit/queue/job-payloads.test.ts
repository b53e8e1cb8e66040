import { describe, expect, it } from 'vitest';
import { checkJobPayload, InvalidJobPayloadError, parseJobPayload } from '../../../src/queue/job-payload.js';
import { slaJobPayload, triageJobPayload } from '../../../src/triage/queue.js';

describe('triage job payloads at the worker boundary', () => {
  it('passes a well-formed payload through, typed', () => {
    expect(parseJobPayload(triageJobPayload, { id: 1, data: { reportId: 'r-1' } })).toEqual({ reportId: 'r-1' });
    const dueBy = new Date().toISOString();
    expect(parseJobPayload(slaJobPayload, { id: 2, data: { reportId: 'r-1', dueBy } })).toEqual({ reportId: 'r-1', dueBy });
  });

  it.each([
    ['no payload', triageJobPayload, undefined, '(payload)'],
    ['a numeric id', triageJobPayload, { reportId: 42 }, 'reportId'],
    ['an empty id', triageJobPayload, { reportId: '' }, 'reportId'],
    ['an id too long to be one', triageJobPayload, { reportId: 'x'.repeat(65) }, 'reportId'],
    ['a deadline that is not a timestamp', slaJobPayload, { reportId: 'r-1', dueBy: 'tomorrow' }, 'dueBy'],
    ['a missing deadline', slaJobPayload, { reportId: 'r-1' }, 'dueBy'],
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
    expect(() => parseJobPayload(triageJobPayload, { id: 1, data: { reportId: secret } })).toThrow(InvalidJobPayloadError);
    try {
      parseJobPayload(triageJobPayload, { id: 1, data: { reportId: secret } });
    } catch (err) {
      expect((err as Error).message).not.toContain('SW1A');
    }
  });
});

describe('job payloads on enqueue', () => {
  it('checks a payload with the schema its task parses it with, before it reaches the queue', () => {
    expect(checkJobPayload(triageJobPayload, 'triage', { reportId: 'r-1' })).toEqual({ reportId: 'r-1' });
    expect(() => checkJobPayload(slaJobPayload, 'sla', { reportId: 'r-1', dueBy: 'tomorrow' })).toThrow(/^sla job \(no id\) has a malformed payload: dueBy: /);
  });
});
