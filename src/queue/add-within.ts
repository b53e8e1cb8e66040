/**
 * Redis calls with a time bound: with Redis away, the client queues a
 * command and waits for it to come back, which would hold up a request.
 */

/** `run`'s result, or a throw once `timeoutMs` has passed without one (its late result is dropped). */
export async function within<T>(run: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer in time')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Hands a job to Redis within a time bound: true when it was taken, false
 * (never a throw) when Redis did not answer in time or refused. Callers
 * that must not wait on Redis (intake, routing, escalation) then fall back
 * to their outbox or log the gap, instead of holding up a request.
 */
export async function addWithin(add: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return within(add, timeoutMs).then(
    () => true,
    () => false,
  );
}
