/**
 * The few MongoDB filter forms the report repository applies
 * in memory, to a report it has just read by `_id` (see applyChange: on
 * FerretDB only `_id` filters reach the storage engine). Anything else is a
 * programming error and throws, rather than silently matching.
 */

type Doc = Record<string, unknown>;

const same = (a: unknown, b: unknown) =>
  (a ?? null) === (b ?? null) || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

function matchValue(actual: unknown, cond: unknown): boolean {
  if (cond && typeof cond === 'object' && !(cond instanceof Date) && !Array.isArray(cond)) {
    return Object.entries(cond).every(([op, arg]) => {
      switch (op) {
        case '$in':
          return (arg as unknown[]).some((x) => same(actual, x));
        case '$nin':
          return !(arg as unknown[]).some((x) => same(actual, x));
        case '$ne':
          return !same(actual, arg);
        default:
          throw new Error(`filter operator ${op} is not supported in memory`);
      }
    });
  }
  return same(actual, cond);
}

/** Does `doc` satisfy `filter` (top-level fields; equality, $in, $nin, $ne)? Missing equals null, as in MongoDB. */
export function matchesFilter(doc: object, filter: object): boolean {
  return Object.entries(filter).every(([field, cond]) => {
    if (field.startsWith('$') || field.includes('.')) throw new Error(`filter field ${field} is not supported in memory`);
    return matchValue((doc as Doc)[field], cond);
  });
}
