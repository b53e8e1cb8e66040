/**
 * The console's only way to the server: POST /graphql on this origin, with
 * the session cookie (HttpOnly, set by consoleSignIn) and yoga's CSRF header.
 * Every failure becomes an ApiError with a code the screens turn into plain
 * words; nothing is cached or stored by the browser.
 */
import type { TypedDocumentString } from '../gql/graphql';

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string[]; path?: (string | number)[]; [k: string]: unknown };
}

/** A failed request. `code` is the server's extensions.code, or NETWORK when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errors: GraphQLErrorShape[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field paths the server named as wrong (BAD_USER_INPUT), e.g. ["input", "narrative"]. */
  fieldErrors(): { path: string[]; message: string }[] {
    return this.errors.flatMap((e) => {
      // The server names the input path in extensions.path (AppError's badInput).
      const field = e.extensions?.field ?? e.extensions?.path;
      return Array.isArray(field) ? [{ path: field.map(String), message: e.message }] : [];
    });
  }
}

/** Listeners told when the server says the session is gone (expired, revoked, signed out elsewhere). */
const unauthenticatedListeners = new Set<() => void>();
export const onUnauthenticated = (fn: () => void) => {
  unauthenticatedListeners.add(fn);
  return () => {
    unauthenticatedListeners.delete(fn);
  };
};

/** Listeners told on every successful exchange: the idle timer counts from the user's last action. */
const activityListeners = new Set<() => void>();
export const onActivity = (fn: () => void) => {
  activityListeners.add(fn);
  return () => {
    activityListeners.delete(fn);
  };
};

export const GRAPHQL_HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'x-graphql-yoga-csrf': '1' } as const;

/** Runs one typed operation; resolves with its data or throws ApiError. */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  return send<TResult>(GRAPHQL_HEADERS, JSON.stringify({ query: document.toString(), variables: variables ?? {} }));
}

/**
 * Runs one typed operation with a file, by the GraphQL multipart request specification: `operations` with the
 * `file` variable null, `map` pointing part 0 at it, then the file. The browser sets the multipart content type
 * with its boundary; the session cookie and the CSRF header go as for every other request.
 */
export function upload<TResult, TVariables extends { file: unknown }>(document: TypedDocumentString<TResult, TVariables>, variables: Omit<TVariables, 'file'>, file: File): Promise<TResult> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: document.toString(), variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', file);
  const { 'content-type': _json, ...headers } = GRAPHQL_HEADERS;
  return send<TResult>(headers, form);
}

async function send<TResult>(headers: Record<string, string>, payload: string | FormData): Promise<TResult> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers,
      body: payload,
    });
  } catch {
    throw new ApiError('NETWORK', 'The server could not be reached.');
  }
  // A body past the server's upload limit is refused before GraphQL sees it (its answer names the limit in bytes); said in words for a file.
  if (res.status === 413 && payload instanceof FormData) throw new ApiError('BAD_USER_INPUT', 'The file is larger than the upload limit.');
  let body: { data?: TResult | null; errors?: GraphQLErrorShape[] } | undefined;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const errors = body?.errors ?? [];
  if (errors.length > 0) {
    const first = errors[0]!;
    const code = first.extensions?.code ?? (res.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR');
    if (code === 'UNAUTHENTICATED') unauthenticatedListeners.forEach((fn) => fn());
    throw new ApiError(code, first.message, errors);
  }
  if (!res.ok || !body || body.data == null) {
    throw new ApiError(res.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR', `The server answered ${res.status}.`);
  }
  activityListeners.forEach((fn) => fn());
  return body.data;
}

const PLAIN: Record<string, string> = {
  NETWORK: 'The connection to the server was lost. Nothing you typed is lost: check the connection and retry.',
  SERVICE_UNAVAILABLE: 'The service is busy or a part of it is unavailable. Wait a moment and retry.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  FORBIDDEN: 'Your role does not allow this.',
  NOT_FOUND: 'It no longer exists, or you may not see it.',
  CONFLICT: 'Someone else changed this first. It has been reloaded: check it and try again.',
  BAD_USER_INPUT: 'Some of what was entered is not accepted.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server. Retry; if it happens again, tell the duty supervisor.',
};

/** The message a person should read for an error: the server's own words for input problems, plain words otherwise. */
export function plainMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'BAD_USER_INPUT' || error.code === 'CONFLICT' || error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN') {
      return `${PLAIN[error.code]} (${error.message})`;
    }
    return PLAIN[error.code] ?? error.message;
  }
  return PLAIN.INTERNAL_SERVER_ERROR!;
}
