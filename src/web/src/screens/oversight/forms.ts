/**
 * Small helpers shared by the oversight screens (supervisor, auditor, admin):
 * the server's field errors next to the field they concern, and datetime-local
 * values turned into ISO date-times.
 */
import { ApiError } from '../../api/client';

/** The server's message for one input field (BAD_USER_INPUT names the field), if any. */
export function serverFieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fieldErrors().find((f) => f.path.at(-1) === field)?.message;
}

/** True when the server's error is about a field the form shows (so the summary need not repeat it). */
export function isFieldError(error: unknown, fields: string[]): boolean {
  return error instanceof ApiError && error.fieldErrors().some((f) => fields.includes(f.path.at(-1) ?? ''));
}

/** "2024-05-01T14:30" (local time, from <input type="datetime-local">) → ISO in UTC, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
