/**
 * The partner face's schema: the full schema's root fields cut down to those
 * the partner face serves (src/auth/policy.ts `isPartnerOperation`), rebuilt so that
 * only the types those fields reach exist. A staff operation sent there is a
 * field that does not exist, refused with the very words a made-up name gets,
 * and introspection shows no staff type. The resolvers are the full schema's
 * own (with their scope checks and deadline guard): nothing is re-implemented.
 */
import { GraphQLObjectType, GraphQLSchema, type GraphQLFieldConfigMap } from 'graphql';
import { isPartnerOperation } from '../auth/policy.js';

/** A root type keeping only the partner face's fields; null when none is left (the schema then has no such root). */
function partnerRoot(type: GraphQLObjectType | null | undefined): GraphQLObjectType | null {
  if (!type) return null;
  const config = type.toConfig();
  const fields: GraphQLFieldConfigMap<unknown, unknown> = Object.fromEntries(Object.entries(config.fields).filter(([name]) => isPartnerOperation(name)));
  if (!Object.keys(fields).length) return null;
  return new GraphQLObjectType({ ...config, fields });
}

export function partnerSchema(full: GraphQLSchema): GraphQLSchema {
  const config = full.toConfig();
  const query = partnerRoot(config.query);
  if (!query) throw new Error('the partner face has no query field: src/auth/policy.ts names none');
  // `types` left out: the new schema collects only the types reachable from the kept root fields.
  return new GraphQLSchema({
    query,
    mutation: partnerRoot(config.mutation),
    subscription: partnerRoot(config.subscription),
    directives: config.directives,
    description: config.description,
  });
}
