import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENCRYPTED_FIELDS, PLAINTEXT_FIELDS } from '../../../src/reports/model/encrypted-fields.js';

const doc = readFileSync(new URL('../../../docs/encryption.md', import.meta.url), 'utf8');

/** Rows of the markdown table under `heading`, as arrays of cells without backticks. */
function tableUnder(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const lines = doc.slice(start + heading.length + 2).split('\n');
  const rows = lines.slice(lines.findIndex((line) => line.startsWith('|')));
  const table = rows.slice(0, rows.findIndex((line) => !line.startsWith('|')));
  return table.slice(2).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
}

describe('docs/encryption.md', () => {
  it('lists exactly the encrypted fields of the contract, with their padding and index', () => {
    const rows = tableUnder('### Encrypted');
    expect(rows.map((row) => row[0])).toEqual(ENCRYPTED_FIELDS.map((field) => field.path));
    for (const field of ENCRYPTED_FIELDS) {
      const row = rows.find((r) => r[0] === field.path)!;
      expect(row[2], field.path).toBe(field.padding === 'long' ? '1 KiB' : '64 B');
      expect(row[3]?.split(' ')[0] || undefined, field.path).toBe(field.blindIndex);
    }
  });

  it('lists exactly the plaintext fields of the contract', () => {
    const rows = tableUnder('### Not encrypted');
    expect(rows.map((row) => row[0])).toEqual(PLAINTEXT_FIELDS.map((field) => field.path));
  });
});
