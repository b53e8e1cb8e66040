/**
 * The Pothos builder with its plugins. It defines no domain types: those sit
 * beside their domain (`src/<domain>/schema.ts`) and `schema.ts` imports them.
 * Authorisation: every root field declares `authScopes: { allow: '<op>' }`,
 * answered from the one policy table in `src/auth/policy.ts`.
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { allows, type Operation } from '../auth/policy.js';
import type { GraphQLContext } from '../context.js';
import { AppError } from '../errors.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { allow: Operation };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    /** A file of a GraphQL multipart request (graphql-yoga hands it over as the Fetch API's File). */
    File: { Input: File; Output: never };
  };
  // Fields are non-null unless declared `nullable: true` (the API's contracts say `Report!`).
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({ allow: (op: Operation) => allows(ctx.principal, op) }),
    // `policy` marks a denial by the policy table (as opposed to a row-level rule in a service).
    unauthorizedError: (_parent, ctx, info) =>
      ctx.principal
        ? new AppError('FORBIDDEN', `Not allowed: ${info.fieldName}`, { policy: info.fieldName })
        : new AppError('UNAUTHENTICATED', 'Sign in first', { policy: info.fieldName }),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
