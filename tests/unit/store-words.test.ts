/**
 * The store's quirks stay behind its door: in src/, the words FerretDB and
 * SQLite appear only in src/db/ (the client and its error classification)
 * and src/reports/store/ (the report store), and in src/backup/, which copies
 * the local store's database files themselves (an SQLite file each) and so
 * cannot help naming them. Everything else speaks of "the local store".
 * And the store's error classification is src/db/'s: no other file of src/
 * tells the driver's error classes apart by name.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeErrorKind } from '../../src/db/errors.js';

const ROOT = resolve(__dirname, '../..');
const srcFiles = execFileSync('git', ['ls-files', 'src'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|tsx|mjs|md|json|css|html)$/.test(f));
const ALLOWED = ['src/db/', 'src/reports/store/', 'src/backup/'];

describe('the store behind its door', () => {
  it('names FerretDB and SQLite only in src/db/, src/reports/store/ and src/backup/', () => {
    expect(srcFiles.length).toBeGreaterThan(100);
    const offenders = srcFiles
      .filter((f) => !ALLOWED.some((a) => f.startsWith(a)))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) => (/ferretdb|sqlite/i.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });

  it('leaves telling store errors apart to src/db/', () => {
    const offenders = srcFiles.filter((f) => !f.startsWith('src/db/') && /startsWith\('Mongo'\)|UNREACHABLE_CODES/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('classifies the store errors it is given', () => {
    expect(storeErrorKind(Object.assign(new Error('x'), { name: 'MongoNetworkError' }))).toBe('unavailable');
    expect(storeErrorKind(Object.assign(new Error('x'), { name: 'MongoServerSelectionError' }))).toBe('unavailable');
    expect(storeErrorKind(Object.assign(new Error('x'), { name: 'MongoBulkWriteError', code: 91 }))).toBe('unavailable');
    expect(storeErrorKind(Object.assign(new Error('x'), { name: 'MongoServerError', code: 11000 }))).toBe('failed');
    expect(storeErrorKind(new TypeError('not the store'))).toBeNull();
    expect(storeErrorKind(undefined)).toBeNull();
  });
});
