/**
 * graphql-yoga with our context, error masking and abuse limits. Expected
 * failures (AppError) keep their message and `extensions.code`; anything else
 * is masked as INTERNAL_SERVER_ERROR and logged without request data.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Context as KoaContext } from 'koa';
import type { Config } from '../config.js';
import type { GraphQLContext, SessionCookie } from '../context.js';
import type { GraphQLServices } from './services.js';
import { AppError, DecryptionError } from '../errors.js';
import { storeErrorKind } from '../db/errors.js';
import { isRedisUnavailable } from '../queue/redis-errors.js';
import type { Logger } from '../logger.js';
import { useOperationLabel } from '../metrics/operation.js';
import { requestSignal } from './deadline.js';
import { useSubscriptionGuard } from './subscription-guard.js';

const bearerOf = (header: string | null) => {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
};

/**
 * The console's session cookie: HttpOnly (page scripts never see the token), SameSite=Strict, and Secure in
 * production whatever TRUST_PROXY says (outside production, Secure when the request came over TLS).
 */
export const SESSION_COOKIE = 'hotline_session';
/** The partner portal's session cookie (a caseworker signed in: src/partners/accounts.ts), set the same way. */
export const PARTNER_COOKIE = 'hotline_partner';

/**
 * Whether cookies set on this request are marked Secure: always in production (TLS ends at a proxy whose
 * X-Forwarded-Proto a misconfigured TRUST_PROXY would ignore, and the browser must never send the session in
 * clear), else when the request itself is over TLS. Koa refuses to set a Secure cookie on a request it thinks is
 * plain, so in production the cookie jar is told the connection is secure.
 */
export function secureCookies(koa: KoaContext, production: boolean): boolean {
  if (production) koa.cookies.secure = true;
  return production || koa.secure;
}

export function sessionCookieOf(koa: KoaContext | undefined, production: boolean, name: string = SESSION_COOKIE): SessionCookie {
  if (!koa) return { set: () => {}, clear: () => {} };
  const base = { httpOnly: true, sameSite: 'strict' as const, secure: secureCookies(koa, production), path: '/', overwrite: true };
  return {
    set: (token, expiresAt) => koa.cookies.set(name, token, { ...base, expires: expiresAt }),
    clear: () => koa.cookies.set(name, '', { ...base, expires: new Date(0) }),
  };
}

const isGraphQLError = (e: unknown): e is GraphQLError =>
  e instanceof GraphQLError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'GraphQLError' && 'extensions' in e);

/** Turns any thrown value into a client-safe GraphQL error. */
export function maskError(error: unknown, log: Logger, production: boolean): GraphQLError {
  const gqlError = isGraphQLError(error) ? error : undefined;
  // Unwrap nested GraphQL errors (yoga and plugins may wrap more than once) to what was thrown.
  let original: unknown = gqlError ? gqlError.originalError : error;
  while (isGraphQLError(original) && original.originalError) original = original.originalError;
  if (original instanceof DecryptionError) {
    // Stored data failed authentication: operators need the record and field, never the bytes.
    log.error({ reportId: original.recordId, fieldPath: original.fieldPath }, 'data integrity failure');
  }
  const safe = maskedError(gqlError, original, log, production);
  // yoga's invalid-JSON error quotes the parser's message (and so the body) in `originalError`: never sent.
  // Without it yoga would answer 200 to a client accepting application/json (its `http.spec` rule), so the
  // error's own status (400) is made to stand by dropping `spec` too.
  if (safe.extensions?.originalError !== undefined) {
    const { originalError: _dropped, http, ...rest } = safe.extensions as { originalError?: unknown; http?: { spec?: boolean } };
    const extensions = http ? { ...rest, http: { ...http, spec: undefined } } : rest;
    return new GraphQLError(safe.message, { nodes: safe.nodes, path: safe.path, extensions });
  }
  return safe;
}

/** Validation and coercion messages end with "Did you mean …?", naming schema members: not in production. */
const withoutSuggestions = (message: string, production: boolean) => (production ? message.replace(/\s*Did you mean .*$/s, '') : message);

function maskedError(gqlError: GraphQLError | undefined, original: unknown, log: Logger, production: boolean): GraphQLError {
  if (original instanceof AppError) {
    return new GraphQLError(original.message, {
      nodes: gqlError?.nodes,
      path: gqlError?.path,
      extensions: { ...original.extensions, code: original.code },
    });
  }
  if (isGraphQLError(original)) {
    const code = (original.extensions?.code as string | undefined) ?? 'BAD_USER_INPUT';
    return new GraphQLError(withoutSuggestions(original.message, production), { nodes: gqlError?.nodes, path: gqlError?.path, extensions: { ...original.extensions, code } });
  }
  if (gqlError && !original) {
    // Parse, validation and input-coercion errors: the client's own request.
    const code = (gqlError.extensions?.code as string | undefined) ?? 'BAD_USER_INPUT';
    return new GraphQLError(withoutSuggestions(gqlError.message, production), { nodes: gqlError.nodes, path: gqlError.path, extensions: { ...gqlError.extensions, code } });
  }
  const err = original as { name?: string; code?: unknown; message?: string; stack?: string } | undefined;
  // The store's errors are told apart in src/db/errors.ts: their messages may quote documents, so only name and code are logged.
  const storeKind = storeErrorKind(err);
  const unavailable = storeKind === 'unavailable' || isRedisUnavailable(err);
  // A backing service out of reach is an outage, not a defect: a warning (the client is told to retry), so that
  // "unexpected error" lines count only failures nobody foresaw.
  if (unavailable) log.warn({ errName: err?.name, errCode: err?.code }, 'backing service unavailable');
  else log.error({ errName: err?.name, errCode: err?.code, errMessage: storeKind ? undefined : err?.message, stack: err?.stack?.split('\n').slice(1, 6).join('\n') }, 'unexpected error');
  return new GraphQLError(unavailable ? 'A backing service is unavailable; retry shortly' : 'Internal server error', {
    nodes: gqlError?.nodes,
    path: gqlError?.path,
    extensions: { code: unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR', ...(production ? {} : { hint: err?.name }) },
  });
}

/**
 * `face: 'partner'` (src/http/server.ts `startPartnerFace`): no GraphiQL, no "Did you mean" (a suggestion would tell a staff
 * operation's name from a made-up one), the staff session cookie is not read, and only a partner principal counts.
 */
export function createGraphQLServer(deps: { schema: GraphQLSchema; services: GraphQLServices; config: Config; log: Logger; face?: 'staff' | 'partner' }) {
  const { config, log } = deps;
  const partnerFace = deps.face === 'partner';
  const hideSuggestions = config.production || partnerFace;
  // What a subscription needs to re-check itself later, by request: its credential and its client's disconnect signal (never in the context).
  const streams = new WeakMap<Request, { credential: string | undefined; clientIp: string; clientGone: AbortSignal }>();
  const streamOf = (ctx: GraphQLContext) => streams.get((ctx as unknown as { request: Request }).request);
  const allowed = new Set(config.http.corsAllowedOrigins);
  return createYoga<{ koa: KoaContext }, GraphQLContext>({
    schema: deps.schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphql.graphiql && !partnerFace,
    // GraphiQL's script, styles and editor workers from this package, never from a CDN.
    renderGraphiQL,
    landingPage: false,
    batching: false,
    // Same origin only unless CORS_ALLOWED_ORIGINS lists the page's origin; credentials go only to a listed origin.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !allowed.has(origin)) return false;
      return { origin: [origin], credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', 'x-graphql-yoga-csrf', 'x-request-id'] };
    },
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => log.warn({ yoga: String(args[0]).slice(0, 200) }, 'graphql warning'),
      error: () => {},
    },
    maskedErrors: { maskError: (e) => maskError(e, log, config.production) },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: config.graphql.maxDepth, ignoreIntrospection: true },
        maxAliases: { n: config.graphql.maxAliases },
        costLimit: { maxCost: config.graphql.maxCost },
        maxTokens: { n: 5000 },
        maxDirectives: { n: 20 },
        // On the partner face the suggestion is cut whole (useNoSuggestions): armor's "[Suggestion hidden]" marker
        // would itself tell a name close to a served one from a made-up one.
        blockFieldSuggestion: { enabled: config.production && !partnerFace },
      }),
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }),
      ...(config.graphql.introspection ? [] : [disableIntrospection()]),
      // Labels the request's metrics by the root field it runs (schema names only).
      useOperationLabel(),
      ...(hideSuggestions ? [useNoSuggestions()] : []),
      useSubscriptionGuard({
        recheckMs: config.http.subscriptionRecheckMs,
        reauthenticate: (ctx) => {
          const stream = streamOf(ctx);
          return deps.services.auth.authenticate(stream?.credential, stream?.clientIp);
        },
        streamSignal: (ctx) => streamOf(ctx)?.clientGone,
      }),
    ],
    context: async ({ koa, request }): Promise<GraphQLContext> => {
      // A bearer header (API clients) wins over the console's cookie; the partner portal's cookie comes last
      // (ports share cookies on one host: a console signed in on the same machine keeps its staff session).
      // On the partner face the staff cookie is not read at all, and a staff credential is no credential.
      let credential = bearerOf(request.headers.get('authorization')) ?? (partnerFace ? undefined : koa?.cookies.get(SESSION_COOKIE));
      const clientIp = koa?.ip ?? 'unknown';
      const signal = requestSignal(request.signal, koa?.state.receivedAt ?? Date.now(), config.http.requestTimeoutMs);
      let principal = await deps.services.auth.authenticate(credential || undefined, clientIp);
      if (partnerFace && principal?.kind !== 'partner') principal = null;
      const partnerCookie = principal ? undefined : koa?.cookies.get(PARTNER_COOKIE);
      if (partnerCookie) {
        principal = await deps.services.auth.authenticate(partnerCookie, clientIp);
        if (partnerFace && principal?.kind !== 'partner') principal = null;
        if (principal) credential = partnerCookie;
      }
      if ((partnerFace || principal?.kind === 'partner') && koa) koa.state.partnerRequest = true;
      streams.set(request, { credential: credential || undefined, clientIp, clientGone: request.signal });
      return {
        principal,
        signal,
        requestId: koa?.state.requestId ?? 'internal',
        clientIp,
        services: deps.services,
        log: log.child({ requestId: koa?.state.requestId }),
        sessionCookie: sessionCookieOf(koa, config.production),
        partnerCookie: sessionCookieOf(koa, config.production, PARTNER_COOKIE),
        consoleIdleTimeoutMs: config.console.idleTimeoutMs,
        attachmentMaxBytes: config.attachments.maxBytes,
      };
    },
  }) as unknown as YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
}

/**
 * Validation errors do not pass through maskError (yoga answers them as a
 * result, not a thrown error): their "Did you mean …?" endings, naming fields,
 * arguments and enum values, are cut here in production.
 */
function useNoSuggestions() {
  return {
    onValidate() {
      return ({ result, setResult }: { result: readonly GraphQLError[]; setResult: (errors: GraphQLError[]) => void }) => {
        if (!result.some((e) => /Did you mean/.test(e.message))) return;
        setResult(result.map((e) => new GraphQLError(withoutSuggestions(e.message, true), { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, extensions: e.extensions })));
      };
    },
  };
}

function disableIntrospection() {
  return {
    onValidate({ addValidationRule }: { addValidationRule: (rule: unknown) => void }) {
      addValidationRule((context: { reportError: (e: GraphQLError) => void }) => ({
        Field(node: { name: { value: string } }) {
          if (node.name.value === '__schema' || node.name.value === '__type') {
            context.reportError(new GraphQLError('Introspection is disabled', { extensions: { code: 'FORBIDDEN' } }));
          }
        },
      }));
    },
  };
}
