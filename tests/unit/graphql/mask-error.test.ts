/**
 * maskError's classification of driver errors: a store that cannot be
 * reached is SERVICE_UNAVAILABLE (the client should wait and retry), every
 * other unexpected failure INTERNAL_SERVER_ERROR, and neither carries the
 * error's message. MongoNotConnectedError is what a request gets while the
 * driver reconnects after the store died (seen in the outage test under load).
 * Redis out of reach is SERVICE_UNAVAILABLE too (src/queue/redis-errors.ts).
 */
import { MongoNetworkError, MongoNotConnectedError, MongoServerError, MongoTopologyClosedError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { maskError } from '../../../src/graphql/yoga.js';
import { createLogger } from '../../../src/logger.js';

const log = createLogger('silent');

describe('maskError', () => {
  it.each([
    ['MongoNetworkError', new MongoNetworkError('connection reset')],
    ['MongoNotConnectedError', new MongoNotConnectedError('not connected')],
    ['MongoTopologyClosedError', new MongoTopologyClosedError('closed')],
    // Built by name: their constructors want a live topology description or pool.
    ['MongoServerSelectionError', Object.assign(new Error('no server'), { name: 'MongoServerSelectionError' })],
    ['MongoPoolClearedError', Object.assign(new Error('pool cleared'), { name: 'MongoPoolClearedError' })],
  ])('answers %s with SERVICE_UNAVAILABLE', (_name, err) => {
    const masked = maskError(err, log, true);
    expect(masked.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(masked.message).not.toContain(err.message);
  });

  it.each([
    ['a store shutting down', new MongoServerError({ message: 'interrupted at shutdown', code: 11600 })],
    ['an unordered insert cut short by a shutdown', Object.assign(new Error('shutdown in progress'), { name: 'MongoBulkWriteError', code: 91, writeErrors: [] })],
  ])('answers %s with SERVICE_UNAVAILABLE', (_what, err) => {
    const masked = maskError(err, log, true);
    expect(masked.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(masked.message).not.toContain(err.message);
  });

  it.each([
    ['a command with Redis down and the offline queue off', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a closed Redis connection', new Error('Connection is closed.')],
    ['a refused Redis socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
    ["ioredis' retries spent", Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' })],
  ])('answers %s with SERVICE_UNAVAILABLE (a partner key check during a Redis outage, seen in the fault test)', (_what, err) => {
    const masked = maskError(err, log, true);
    expect(masked.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(masked.message).not.toContain(err.message);
  });

  it('answers an ordinary error that merely mentions Redis with INTERNAL_SERVER_ERROR', () => {
    expect(maskError(new Error('Connection is closed. Also something else'), log, true).extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(maskError(new TypeError('redis reply was not a number'), log, true).extensions.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('answers a server-side error with INTERNAL_SERVER_ERROR and nothing of its message', () => {
    const masked = maskError(new MongoServerError({ message: 'E11000 duplicate key secret-value', code: 11000 }), log, true);
    expect(masked.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(masked.message).toBe('Internal server error');
  });

});
