/**
 * The portal's only way to the server: POST /graphql on this origin (the partner face), with yoga's CSRF header
 * and the session cookie. Every failure becomes an ApiError with the server's code (NETWORK when the server could
 * not be reached); nothing is cached or stored by the browser.
 */
export interface FieldError {
  path: string[];
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    /** The first error's extensions (sign-in steps: passwordChange, mfa, their tickets). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type GraphQLErrorShape = { message: string; extensions?: { code?: string; field?: unknown; path?: unknown; [k: string]: unknown } };

const listeners = new Set<() => void>();
/** Told when the server says there is no session (signed out, idle, revoked). */
export const onSignedOut = (fn: () => void) => {
  listeners.add(fn);
  return () => void listeners.delete(fn);
};

export const gql = <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> =>
  send<T>({ 'content-type': 'application/json' }, JSON.stringify({ query, variables }));

/**
 * A file sent by the GraphQL multipart request specification: `operations` with the `file` variable null, `map`
 * pointing part 0 at it, then the file. The browser sets the multipart content type (with its boundary); the CSRF
 * header and the session cookie go as for every other request.
 */
export function gqlUpload<T>(query: string, variables: Record<string, unknown>, file: File): Promise<T> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', file);
  return send<T>({}, form);
}

async function send<T>(headers: Record<string, string>, payload: string | FormData): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { ...headers, accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      body: payload,
    });
  } catch {
    throw new ApiError('NETWORK', 'The server could not be reached.');
  }
  // A body past the server's upload limit is refused before GraphQL sees it (its answer names the limit in bytes); said in words for a file.
  if (res.status === 413 && payload instanceof FormData) throw new ApiError('PAYLOAD_TOO_LARGE', 'The file is too large.');
  let body: { data?: T | null; errors?: GraphQLErrorShape[] } | undefined;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const errors = body?.errors ?? [];
  if (errors.length) {
    const code = errors[0]!.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
    if (code === 'UNAUTHENTICATED') listeners.forEach((fn) => fn());
    const fields = errors.flatMap((e) => {
      const field = e.extensions?.field ?? e.extensions?.path;
      return Array.isArray(field) ? [{ path: field.map(String), message: e.message }] : [];
    });
    throw new ApiError(code, errors[0]!.message, fields, errors[0]!.extensions ?? {});
  }
  if (!res.ok || !body?.data) throw new ApiError(res.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'NETWORK', `HTTP ${res.status}`);
  return body.data;
}
