/**
 * Text typed by staff (reasons, research notes): the one place that says how
 * it is trimmed, bounded and checked before it is stored or audited.
 */
import { badInput } from '../../errors.js';
import { STAFF_TEXT_LIMITS } from './staff-text-limits.js';

// C0 controls other than tab, newline and carriage return; DEL; C1 controls.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Staff-typed text (reasons, notes): trimmed, bounded, no control characters; anything else is BAD_USER_INPUT on `field`. */
export function staffText(value: string, field: string, opts: { min: number; max: number; multiline?: boolean }): string {
  if (typeof value !== 'string') throw badInput(`${field} must be text`, [field]);
  const text = value.trim();
  if (text.length < opts.min) throw badInput(opts.min === 1 ? `${field} must not be empty` : `${field} must be at least ${opts.min} characters`, [field]);
  if (text.length > opts.max) throw badInput(`${field} must be at most ${opts.max} characters`, [field]);
  if (!text.isWellFormed() || CONTROL_CHARS.test(text)) throw badInput(`${field} contains a control character`, [field]);
  if (!opts.multiline && /[\r\n]/.test(text)) throw badInput(`${field} must be a single line`, [field]);
  return text;
}

/** The stated reason of a change or reveal: one line, at least `min` characters, so the audit log says why. */
export const reasonText = (reason: string, min: number = STAFF_TEXT_LIMITS.reasonMin) => staffText(reason, 'reason', { min, max: STAFF_TEXT_LIMITS.reason });
