/**
 * Typed domain errors. Every expected failure carries a stable `code` that the
 * GraphQL layer exposes as `extensions.code`; anything that is not an AppError
 * is masked as INTERNAL_SERVER_ERROR so that no internal detail leaks.
 *
 * Messages must never contain decrypted values, keys or request variables.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE'
  | 'DATA_INTEGRITY'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra, non-sensitive fields for `extensions` (e.g. the input path). */
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.extensions = extensions;
  }
}

export const badInput = (message: string, path?: (string | number)[]) =>
  new AppError('BAD_USER_INPUT', message, path ? { path } : {});
export const unauthenticated = (message = 'Not signed in, or the credentials are not valid') =>
  new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => new AppError('FORBIDDEN', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const unavailable = (message: string) => new AppError('SERVICE_UNAVAILABLE', message);

/**
 * A ciphertext failed to authenticate or could not be opened. Carries where it
 * happened (record id, field path) so operators can find it, never the bytes.
 */
export class DecryptionError extends AppError {
  readonly recordId: string;
  readonly fieldPath: string;

  constructor(recordId: string, fieldPath: string, reason: string) {
    super('DATA_INTEGRITY', `Stored data for record ${recordId} failed an integrity check (${fieldPath}: ${reason})`, {
      recordId,
    });
    this.name = 'DecryptionError';
    this.recordId = recordId;
    this.fieldPath = fieldPath;
  }
}

/** Keeps the happy path flat: `assertThat(user, notFound('User'))`. */
export function assertThat(condition: unknown, error: AppError | (() => AppError)): asserts condition {
  if (!condition) throw typeof error === 'function' ? error() : error;
}
