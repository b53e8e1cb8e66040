/** Scalars shared by every domain. */
import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

const parseDate = (value: unknown): Date => {
  if (typeof value !== 'string' || value.length > 40) throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 date-time, e.g. 2026-11-28T13:45:00Z', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return d;
};

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC',
  serialize: (d) => (d instanceof Date ? d : new Date(d as string)).toISOString(),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});

/**
 * An uploaded file, sent by the GraphQL multipart request specification
 * (graphql-yoga parses it: https://github.com/jaydenseric/graphql-multipart-request-spec).
 * Input only; never inline in a query.
 */
builder.scalarType('File', {
  description: 'A file sent as part of a GraphQL multipart request (input only)',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  parseValue: (value) => {
    // Duck-typed: yoga's File may come from its own Fetch implementation rather than Node's global one.
    const file = value as { arrayBuffer?: unknown; size?: unknown } | null;
    if (!file || typeof file !== 'object' || typeof file.arrayBuffer !== 'function' || typeof file.size !== 'number') throw new GraphQLError('Send the file as a multipart request part', { extensions: { code: 'BAD_USER_INPUT' } });
    return value as File;
  },
  parseLiteral: () => {
    throw new GraphQLError('A file cannot be written inline in a query: send it as a multipart request part', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
