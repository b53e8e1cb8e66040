// Typed GraphQL operations for the console, generated from the schema the
// server prints (schema/schema.graphql): a schema change that breaks an
// operation fails `npm run typecheck` and the console build.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['src/web/src/**/*.{ts,tsx}', '!src/web/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/web/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', ID: 'string' },
        skipTypename: true,
      },
    },
  },
  silent: true,
};
export default config;
