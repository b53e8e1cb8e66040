/**
 * Hands a job to Redis within a time bound: true when it was taken, false
 * (never a throw) when Redis did not answer in time or refused. Callers
 * that must not wait on Redis (intake, routing, escalation) then fall back
 * to their outbox or log the gap, instead of holding up a request.
 */
export async function addWithin(add: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      add(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('enqueue timed out')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
