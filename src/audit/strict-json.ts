/**
 * A strict JSON parser for signed documents (report bundles: trust review 2,
 * item 12). `JSON.parse` keeps the last of two members with the same name,
 * while other parsers keep the first or refuse: a signed bundle with a
 * second `"status"` appended would verify here (on the last value) and be
 * read by a case-management system as the first. So a signed document is
 * parsed as I-JSON (RFC 7493, the profile RFC 8785's canonical form builds
 * on) and anything two parsers could read differently is refused:
 *
 * - a member name twice in one object (compared after unescaping, so
 *   `"status"` and `"st\u0061tus"` are the same name);
 * - a string holding a lone surrogate (not Unicode text: parsers replace it
 *   differently);
 * - an integer beyond ±2^53, which a double cannot hold exactly (one parser
 *   rounds it, a big-number parser does not);
 * - anything RFC 8259 does not allow (trailing commas, comments, single
 *   quotes, leading zeros, text after the value), and nesting deeper than 256.
 *
 * Everything else reads as `JSON.parse` reads it. Member names are set as own
 * properties (`__proto__` included), never through a setter.
 */

/** Why a text is not strict JSON, with where (a character offset, never the text). */
export class StrictJsonError extends Error {
  constructor(problem: string, at: number) {
    super(`${problem} (at character ${at})`);
    this.name = 'StrictJsonError';
  }
}

const MAX_DEPTH = 256;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses `text` as strict JSON (see the module comment); throws StrictJsonError. */
export function parseStrictJson(text: string): unknown {
  let i = 0;
  const fail = (problem: string): never => {
    throw new StrictJsonError(problem, i);
  };
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[i] !== char) fail(`expected '${char}'`);
    i++;
  };

  function string(): string {
    STRING.lastIndex = i;
    const token = STRING.exec(text);
    if (!token) return fail('a malformed string');
    const value = JSON.parse(token[0]) as string;
    if (!value.isWellFormed()) fail('a string with a lone surrogate');
    i = STRING.lastIndex;
    return value;
  }

  function number(): number {
    NUMBER.lastIndex = i;
    const token = NUMBER.exec(text);
    if (!token) return fail('an unexpected character');
    const value = Number(token[0]);
    if (!Number.isFinite(value)) fail('a number out of range');
    if (/^-?\d+$/.test(token[0]) && !Number.isSafeInteger(value)) fail('an integer beyond exact double precision');
    i = NUMBER.lastIndex;
    return value;
  }

  function object(depth: number): Record<string, unknown> {
    i++; // {
    const out: Record<string, unknown> = {};
    const names = new Set<string>();
    skipSpace();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail('expected a member name');
      const at = i;
      const name = string();
      if (names.has(name)) throw new StrictJsonError('a member name appears twice in one object', at);
      names.add(name);
      expect(':');
      Object.defineProperty(out, name, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      expect('}');
      return out;
    }
  }

  function array(depth: number): unknown[] {
    i++; // [
    const out: unknown[] = [];
    skipSpace();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(depth + 1));
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      expect(']');
      return out;
    }
  }

  function value(depth: number): unknown {
    if (depth > MAX_DEPTH) fail('nesting deeper than 256');
    skipSpace();
    const c = text[i];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return number();
  }

  const result = value(0);
  skipSpace();
  if (i !== text.length) fail('text after the value');
  return result;
}
