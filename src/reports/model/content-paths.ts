/**
 * Walks report content by the path patterns of encrypted-fields.ts (`a.b`,
 * `list[]`, `list[id]`), so the codec, the index terms (indexed-content.ts)
 * and the envelope MAC are driven by the field list instead of code written
 * per field.
 */

/** One place a pattern matches: `parent[key]`, known as `path` (e.g. `subjects.0.name`). */
export interface ContentSlot {
  parent: Record<string, unknown>;
  key: string;
  path: string;
}

/** The content does not have the shape the pattern expects. Carries no values. */
export class ContentShapeError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Report content at ${path}: ${reason}`);
    this.name = 'ContentShapeError';
  }
}

interface Segment {
  name: string;
  /** How array elements are addressed; absent for a plain nested field. */
  each?: 'index' | 'id';
}

const parsed = new Map<string, Segment[]>();

function parsePattern(pattern: string): Segment[] {
  let segments = parsed.get(pattern);
  if (segments) return segments;
  segments = pattern.split('.').map((part) => {
    const match = /^(\w+)(\[(id)?\])?$/.exec(part);
    if (!match?.[1]) throw new Error(`Invalid field path pattern: ${pattern}`);
    if (!match[2]) return { name: match[1] };
    return { name: match[1], each: match[3] ? 'id' : 'index' };
  });
  if (segments.at(-1)?.each) throw new Error(`Field path pattern must end with a field: ${pattern}`);
  parsed.set(pattern, segments);
  return segments;
}

/** The pattern with element addressing erased (`researchNotes[id].id` → `researchNotes[].id`). */
export function abstractPattern(pattern: string): string {
  return pattern.replace(/\[id\]/g, '[]');
}

/**
 * Every slot of `root` that `pattern` names, including slots whose value is
 * null or absent (the caller decides what to do with those). Missing or null
 * containers yield nothing; containers of the wrong type throw.
 */
export function* slotsOf(root: Record<string, unknown>, pattern: string): Generator<ContentSlot> {
  yield* visit(root, parsePattern(pattern), 0, '');
}

function* visit(node: Record<string, unknown>, segments: Segment[], at: number, prefix: string): Generator<ContentSlot> {
  const segment = segments[at]!;
  const path = prefix ? `${prefix}.${segment.name}` : segment.name;
  if (at === segments.length - 1) {
    yield { parent: node, key: segment.name, path };
    return;
  }
  const value = node[segment.name];
  if (value === null || value === undefined) return;
  if (!segment.each) {
    if (!isPlainObject(value)) throw new ContentShapeError(path, 'expected an object');
    yield* visit(value, segments, at + 1, path);
    return;
  }
  if (!Array.isArray(value)) throw new ContentShapeError(path, 'expected an array');
  const seen = new Set<string>();
  for (const [index, element] of value.entries()) {
    if (!isPlainObject(element)) throw new ContentShapeError(`${path}.${index}`, 'expected an object');
    const key = segment.each === 'index' ? String(index) : element.id;
    if (typeof key !== 'string' || key === '') throw new ContentShapeError(`${path}.${index}`, 'element has no id');
    if (seen.has(key)) throw new ContentShapeError(`${path}.${key}`, 'duplicate id');
    seen.add(key);
    yield* visit(element, segments, at + 1, `${path}.${key}`);
  }
}

/** Abstract paths of the arrays whose elements the patterns address by `id` (e.g. `researchNotes`). */
export function idAddressedArrays(patterns: readonly string[]): Set<string> {
  const arrays = new Set<string>();
  for (const pattern of patterns) {
    const at = pattern.indexOf('[id]');
    if (at >= 0) arrays.add(abstractPattern(pattern.slice(0, at)));
  }
  return arrays;
}

/**
 * Calls `onLeaf` for every non-container value under `root`, with its
 * concrete path (`subjects.0.name`, or `researchNotes.<id>.text` for arrays
 * in `idArrays`) and its abstract path (`subjects[].name`).
 */
export function walkLeaves(
  root: unknown,
  idArrays: ReadonlySet<string>,
  onLeaf: (value: unknown, path: string, abstractPath: string) => void,
  path = '',
  abstractPath = '',
): void {
  if (Array.isArray(root)) {
    const byId = idArrays.has(abstractPath);
    root.forEach((element, index) => {
      const id = byId && isPlainObject(element) ? element.id : undefined;
      const key = typeof id === 'string' ? id : String(index);
      walkLeaves(element, idArrays, onLeaf, `${path}.${key}`, `${abstractPath}[]`);
    });
    return;
  }
  if (isPlainObject(root)) {
    for (const [key, value] of Object.entries(root)) {
      const childPath = path ? `${path}.${key}` : key;
      walkLeaves(value, idArrays, onLeaf, childPath, abstractPath ? `${abstractPath}.${key}` : key);
    }
    return;
  }
  onLeaf(root, path, abstractPath);
}

/** Copies arrays and plain objects; leaves (strings, Binary, …) are shared. */
export function cloneTree<T>(value: T): T {
  if (Array.isArray(value)) return value.map((element) => cloneTree(element)) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, cloneTree(v)])) as T;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
