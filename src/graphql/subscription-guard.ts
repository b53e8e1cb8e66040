/**
 * Subscriptions end when their credential stops being good: the session
 * ended or was revoked, the user was disabled, their roles or desk changed,
 * or a console session went unused past its idle time (src/auth/idle.ts: a
 * stream is not use, so a console left open with its streams still ends). A stream's principal was checked once, when it opened; every
 * `recheckMs` the credential is authenticated again (the same check every
 * request makes, against the store), and the stream is completed as soon as
 * the answer is no longer the same principal.
 */
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/types.js';
import type { GraphQLContext } from '../context.js';
import { AppError } from '../errors.js';

export interface SubscriptionGuardOptions {
  recheckMs: number;
  /** Authenticates the credential the subscription was opened with again; null when it no longer signs anyone in. */
  reauthenticate(ctx: GraphQLContext): Promise<Principal | null>;
  /** The client's disconnect signal only: a stream outlives the request deadline. */
  streamSignal(ctx: GraphQLContext): AbortSignal | undefined;
}

const samePrincipal = (a: Principal | null, b: Principal | null) => JSON.stringify(a) === JSON.stringify(b);

/** A yoga plugin: wraps each subscription's event stream so that it ends with its principal. */
export function useSubscriptionGuard(opts: SubscriptionGuardOptions): Plugin {
  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue as unknown as GraphQLContext;
      const signal = opts.streamSignal(ctx);
      if (signal) ctx.signal = signal;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          const opened = ctx.principal;
          const stillValid = async () => {
            try {
              return samePrincipal(await opts.reauthenticate(ctx), opened);
            } catch (err) {
              // A record that fails its integrity check ends the stream; a store that is briefly down does not.
              return !(err instanceof AppError);
            }
          };
          setResult(endWhen(result, stillValid, opts.recheckMs) as typeof result);
        },
      };
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * An iterator over `source` that completes when `stillValid` answers false.
 * Hand-written rather than an async generator: a generator cannot be
 * returned while it awaits the next event, so a closed client would wait
 * for one.
 */
function endWhen<T>(source: AsyncIterable<T>, stillValid: () => Promise<boolean>, everyMs: number): AsyncIterableIterator<T> {
  const inner = source[Symbol.asyncIterator]();
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const ended: IteratorResult<T> = { done: true, value: undefined };
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      clearTimeout(timer);
      await inner.return?.();
    }
    return ended;
  };
  let lost!: () => void;
  const lostPromise = new Promise<IteratorResult<T>>((resolve) => {
    lost = () => void finish().then(resolve, () => resolve(ended));
  });
  const schedule = () => {
    timer = setTimeout(async () => {
      if (done) return;
      const valid = await stillValid();
      if (done) return;
      if (valid) schedule();
      else lost();
    }, everyMs);
    timer.unref();
  };
  schedule();
  return {
    next: () => (done ? Promise.resolve(ended) : Promise.race([inner.next(), lostPromise])),
    return: finish,
    async throw(err: unknown) {
      await finish();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
