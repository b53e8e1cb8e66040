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
