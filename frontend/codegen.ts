// GraphQL Code Generator: TypeScript types for the documents in src/, from the API
// contract in ../schema.graphqls. Run `npm run codegen` from the repository root; the
// output in src/gql/ is committed and never edited by hand.
import type { CodegenConfig } from '@graphql-codegen/cli'

const config: CodegenConfig = {
  schema: 'schema.graphqls',
  documents: ['frontend/src/**/*.{ts,tsx}', '!frontend/src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'frontend/src/gql/': {
      preset: 'client',
      presetConfig: {
        // Colocated fragments are plain types for now; turn masking on when the
        // dashboard grows components that own fragments.
        fragmentMasking: false,
      },
      config: {
        // Documents are plain strings (TypedDocumentString): no graphql-js and no AST
        // in the dashboard bundle; the fetch client posts document.toString().
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: {
          ID: 'string',
          JSON: 'unknown',
          Time: 'string',
        },
      },
    },
  },
}

export default config
