/**
 * Canonical encoding: JSON with one spelling per value, shared by the
 * system-wide audit log, the per-report history (both through hash-chain.ts),
 * the envelope MAC, signed bundles and the intake fingerprints. Nothing here
 * touches the database.
 *
 * The encoding is JSON with one spelling per value, so the same value always
 * hashes the same, whatever order its keys were built in and whether it was
 * read back from MongoDB or is still in memory:
 * - object keys sorted (UTF-16 code unit order); members whose value is
 *   `undefined` are left out, as JSON.stringify does;
 * - arrays in order, an `undefined` element written as `null` (as BSON does);
 * - numbers as JSON numbers (`-0` is `0`); NaN/±Infinity and bigint are
 *   written as strings (kept for compatibility: they hash, but collide with
 *   the equal string, so do not put them in hashed data);
 * - Dates as their ISO-8601 string (a Date and its ISO string encode alike);
 * - bytes (Uint8Array, Buffer, BSON Binary) as `{"$bytes":"<base64>"}`, so a
 *   Buffer written and the Binary read back encode alike;
 * - BSON ObjectId as `{"$oid":"<hex>"}`;
 * - keys starting with `$` are reserved for those tags and refused in plain
 *   objects, so an ordinary object can never pass for a tagged value;
 * - anything else (functions, symbols, Map, Set, RegExp, class instances,
 *   other BSON types) is refused with a TypeError naming the path, never the
 *   value: encoding them as `{}` would leave their content outside the hash.
 *
 * Caution for callers that store what they hash: the MongoDB driver stores an
 * `undefined` member as `null`, which encodes differently; strip undefined
 * members before hashing and storing (the audit service does).
 */

/** Deterministic JSON for hashing (see the module comment); throws TypeError on what it cannot encode. */
export function canonicalJson(value: unknown): string {
  return value === undefined ? 'null' : encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      return encodeObject(value, path);
    default:
      throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof value}`);
  }
}

function encodeObject(value: object, path: string): string {
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? 'null' : encode(item, `${path}[${i}]`))).join(',')}]`;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`canonicalJson: ${path} is an invalid Date`);
    return JSON.stringify(value.toISOString());
  }
  if (value instanceof Uint8Array) return encodeBytes(value);
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (bsonType === 'Binary') return encodeBytes((value as { buffer: Uint8Array }).buffer);
  if (bsonType === 'ObjectId') return `{"$oid":${JSON.stringify((value as { toHexString(): string }).toHexString())}}`;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (bsonType !== undefined || (proto !== Object.prototype && proto !== null)) {
    throw new TypeError(`canonicalJson: ${path} is not a plain object, array, Date, binary or ObjectId`);
  }
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    if (key.startsWith('$')) throw new TypeError(`canonicalJson: a key at ${path} starts with "$", which is reserved for type tags`);
    members.push(`${JSON.stringify(key)}:${encode(member, `${path}.${key}`)}`);
  }
  return `{${members.join(',')}}`;
}

function encodeBytes(bytes: Uint8Array): string {
  return `{"$bytes":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`;
}
