/**
 * CSV for the audit log export: RFC 4180 quoting, and cells that a
 * spreadsheet would run as a formula made inert. Entries carry text typed by
 * staff (reasons) and by outsiders (a failed sign-in's username), so a cell
 * starting with = + - @ (or a tab or carriage return, which some spreadsheets
 * skip before reading one of those) gets a leading apostrophe (OWASP's advice),
 * and every cell is quoted.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: formula-guarded, quotes doubled, always quoted. */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** Rows as CSV text, CRLF line ends (RFC 4180), header first. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
