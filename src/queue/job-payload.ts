/**
 * The worker boundary, for every queue: a job's payload is parsed with its
 * task's schema before the task runs, so a malformed job fails at once with
 * a clear error (and is not retried) instead of reaching the store with
 * garbage. The same schemas check each payload when it is enqueued
 * (src/triage/queue.ts, src/webhooks/queue.ts).
 */
import { z } from 'zod';
import { AppError } from '../errors.js';

/** A report id as jobs carry it (ids are at most 64 characters, like those clients send). */
export const reportIdField = z.string().min(1).max(64);

/** A job whose payload its task's schema rejects; the message names the fields, never their values. */
export class InvalidJobPayloadError extends AppError {
  constructor(queue: string, jobId: string | number | undefined, problems: string) {
    super('BAD_USER_INPUT', `${queue} job ${jobId ?? '(no id)'} has a malformed payload: ${problems}`);
    this.name = 'InvalidJobPayloadError';
  }
}

/** What the boundary needs of a bull job; `discard` stops bull from retrying it. */
export interface JobLike {
  id?: string | number;
  data: unknown;
  queue?: { name: string };
  discard?(): void;
}

/** The schema's problems with `data`, by field path and message only (never a value). */
function problemsOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
}

/**
 * The job's payload as its task's schema types it; a malformed payload is
 * discarded (retrying cannot fix it) and fails the job with InvalidJobPayloadError.
 */
export function parseJobPayload<S extends z.ZodType>(schema: S, job: JobLike): z.infer<S> {
  const parsed = schema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  job.discard?.();
  throw new InvalidJobPayloadError(job.queue?.name ?? 'queue', job.id, problemsOf(parsed.error));
}

/** A payload about to be enqueued, checked with the schema its task parses it with; throws InvalidJobPayloadError. */
export function checkJobPayload<S extends z.ZodType>(schema: S, queue: string, data: z.infer<S>): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new InvalidJobPayloadError(queue, undefined, problemsOf(parsed.error));
}
