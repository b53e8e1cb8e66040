/**
 * Structured JSON logs (pino). Request bodies, GraphQL variables, tokens and
 * decrypted values are never passed to the logger; the redaction list is a
 * second line of defence in case someone logs an object carelessly.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password',
  'token',
  'apiKey',
  'key',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'variables',
  'body',
  'narrative',
  'caller',
  'content',
  '*.password',
  '*.token',
  '*.variables',
  '*.narrative',
];

/** One logger per process; children carry request ids and component names. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hotline' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
