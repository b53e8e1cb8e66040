/**
 * Request deadlines (B2 in docs/reliability.md): a request whose client has
 * gone, or that has run past REQUEST_TIMEOUT_MS, stops at its next resolver
 * instead of going on to decrypt and write for nobody. Without this a client
 * that times out and retries adds work the server cannot shed, and the queue
 * of abandoned work grows until everything times out (metastable collapse).
 */
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../context.js';
import { AppError } from '../errors.js';

/** The error a resolver answers once its request's signal is aborted (nobody may be there to read it). */
function requestAbandoned(): AppError {
  return new AppError('SERVICE_UNAVAILABLE', 'The request ran out of time or its client went away; retry', { deadline: true });
}

/** Throws when the request's client has gone or its deadline has passed. */
function checkDeadline(ctx: Pick<GraphQLContext, 'signal'>): void {
  if (ctx.signal?.aborted) throw requestAbandoned();
}

/**
 * The signal a request's context carries: aborted when its client disconnects
 * (`clientGone`, yoga's request signal) or when `timeoutMs` have passed since
 * `receivedAt`. Not `AbortSignal.any`: yoga's server adapter hands a request a
 * lazy stand-in for AbortSignal (an EventTarget dressed as one), which Node 24's
 * `AbortSignal.any` rejects (ERR_INVALID_ARG_TYPE) and Node 20's accepted
 * without ever following; listening to its 'abort' event works with both kinds.
 */
export function requestSignal(clientGone: AbortSignal, receivedAt: number, timeoutMs: number): AbortSignal {
  const left = Math.max(1, receivedAt + timeoutMs - Date.now());
  const timeout = AbortSignal.timeout(left);
  if (clientGone.aborted) return AbortSignal.abort(clientGone.reason);
  const controller = new AbortController();
  const stop = (reason: unknown) => {
    clientGone.removeEventListener('abort', onGone);
    timeout.removeEventListener('abort', onTimeout);
    controller.abort(reason);
  };
  const onGone = () => stop(clientGone.reason);
  const onTimeout = () => stop(timeout.reason);
  clientGone.addEventListener('abort', onGone, { once: true });
  timeout.addEventListener('abort', onTimeout, { once: true });
  return controller.signal;
}

/**
 * Wraps every field resolver of the schema (in place) with the deadline check:
 * one property read per field, and no change to a resolver's being synchronous.
 * In a mutation only its root fields check, before they write: once a change
 * has landed, the fields of its answer are resolved whatever the time, so the
 * client is told what happened rather than "retry" (a claim that landed and
 * answered "retry" would be retried into a second claim).
 */
export function guardResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve as GraphQLFieldResolver<unknown, GraphQLContext> | undefined;
      if (!resolve) continue;
      field.resolve = (source, args, ctx, info) => {
        if (info.operation.operation !== 'mutation' || !info.path.prev) checkDeadline(ctx);
        return resolve(source, args, ctx, info);
      };
    }
  }
  return schema;
}
