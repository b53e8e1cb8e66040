/**
 * A client that behaves as a real intake client should under failures: each
 * submission is retried with the SAME idempotency key after any failure
 * (network error, timeout, non-2xx, GraphQL error), with capped exponential
 * backoff and jitter (at least the server's Retry-After), failing over between API instances, until it is
 * acknowledged or its time limit runs out. Plus a bounded load generator
 * that starts submissions on a schedule and reports what happened.
 */

export interface GqlAttempt {
  ok: boolean;
  status: number;
  /** Why the attempt failed: network, timeout, http-<status>, gql-<code>. */
  failure?: string;
  /** From a Retry-After header, in ms. */
  retryAfterMs?: number;
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One POST /graphql; never throws. */
export async function postGraphQL(url: string, query: string, variables: Record<string, unknown>, token: string | undefined, timeoutMs: number): Promise<GqlAttempt> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const name = (err as Error).name;
    return { ok: false, status: 0, failure: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
  }
  let body: any;
  try {
    body = await res.json();
  } catch {
    return { ok: false, status: res.status, failure: res.status === 200 ? 'bad-body' : `http-${res.status}` };
  }
  if (res.status < 200 || res.status >= 300) {
    const retryAfter = Number(res.headers.get('retry-after'));
    return { ok: false, status: res.status, failure: `http-${res.status}`, errors: body?.errors, retryAfterMs: retryAfter > 0 ? retryAfter * 1000 : undefined };
  }
  if (body?.errors?.length || !body?.data) {
    return { ok: false, status: res.status, failure: `gql-${body?.errors?.[0]?.extensions?.code ?? 'NO_CODE'}`, errors: body?.errors, data: body?.data };
  }
  return { ok: true, status: res.status, data: body.data };
}

/**
 * Round-robin over API instances; an instance that refused a connection is
 * skipped for `downMs` (a real client's failover), unless all are down.
 */
export function endpointPool(urls: string[], downMs = 3_000) {
  const downUntil = new Map<string, number>();
  let next = 0;
  return {
    pick(): string {
      const now = Date.now();
      for (let k = 0; k < urls.length; k++) {
        const url = urls[(next + k) % urls.length]!;
        if ((downUntil.get(url) ?? 0) <= now) {
          next = (next + k + 1) % urls.length;
          return url;
        }
      }
      const url = urls[next % urls.length]!;
      next = (next + 1) % urls.length;
      return url;
    },
    markDown(url: string) {
      downUntil.set(url, Date.now() + downMs);
    },
  };
}

export interface Job {
  kind: string;
  query: string;
  variables: Record<string, unknown>;
  token: string;
  /** The idempotency key as stored: `<principal id>:<client key>`. */
  scopedKey: string;
}

export interface Outcome {
  job: Job;
  acknowledged: boolean;
  attempts: number;
  failures: string[];
  data: any;
  startedAt: number;
  ackAt: number | null;
}

export interface RetryOptions {
  /** Give up after this long (from the first attempt). */
  deadlineMs: number;
  perRequestTimeoutMs: number;
  maxAttempts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Submits one job until acknowledged or out of time/attempts; same variables (same key) every time. */
export async function submitWithRetry(pool: ReturnType<typeof endpointPool>, job: Job, opts: RetryOptions): Promise<Outcome> {
  const startedAt = Date.now();
  const failures: string[] = [];
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    const url = pool.pick();
    const left = opts.deadlineMs - (Date.now() - startedAt);
    const r = await postGraphQL(url, job.query, job.variables, job.token, Math.max(1_000, Math.min(opts.perRequestTimeoutMs, left)));
    if (r.ok) return { job, acknowledged: true, attempts: attempt, failures, data: r.data, startedAt, ackAt: Date.now() };
    failures.push(r.failure ?? 'unknown');
    if (r.failure === 'network') pool.markDown(url);
    const backoff = Math.max(r.retryAfterMs ?? 0, Math.min(200 * 2 ** (attempt - 1), 4_000) * (0.5 + Math.random() / 2));
    if (Date.now() - startedAt + backoff >= opts.deadlineMs) break;
    await sleep(backoff);
  }
  return { job, acknowledged: false, attempts: failures.length, failures, data: null, startedAt, ackAt: null };
}

export interface LoadReport {
  outcomes: Outcome[];
  submitted: number;
  acknowledged: number;
  /** Submissions that needed more than one attempt. */
  retried: number;
  attempts: number;
  gaveUp: number;
  failuresByKind: Record<string, number>;
  durationMs: number;
  maxAckMs: number;
}

/**
 * Starts job i at `offsetsMs[i]` after the start (bounded: one job per
 * offset), each retried as above, and waits for all of them.
 */
export async function runLoad(pool: ReturnType<typeof endpointPool>, jobs: Job[], offsetsMs: number[], opts: RetryOptions, onOutcome?: (o: Outcome) => void): Promise<LoadReport> {
  const t0 = Date.now();
  const outcomes = await Promise.all(
    jobs.map(async (job, i) => {
      const wait = t0 + (offsetsMs[i] ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      const o = await submitWithRetry(pool, job, opts);
      onOutcome?.(o);
      return o;
    }),
  );
  return summarise(outcomes, Date.now() - t0);
}

export function summarise(outcomes: Outcome[], durationMs: number): LoadReport {
  const failuresByKind: Record<string, number> = {};
  for (const o of outcomes) for (const f of o.failures) failuresByKind[f] = (failuresByKind[f] ?? 0) + 1;
  return {
    outcomes,
    submitted: outcomes.length,
    acknowledged: outcomes.filter((o) => o.acknowledged).length,
    retried: outcomes.filter((o) => o.attempts > 1 || (!o.acknowledged && o.attempts > 0)).length,
    attempts: outcomes.reduce((n, o) => n + o.attempts, 0),
    gaveUp: outcomes.filter((o) => !o.acknowledged).length,
    failuresByKind,
    durationMs,
    maxAckMs: Math.max(0, ...outcomes.filter((o) => o.ackAt).map((o) => o.ackAt! - o.startedAt)),
  };
}
