// The query GraphiQL opens with (when the browser has no saved tabs). A unit test
// validates it against schema.graphqls, so it keeps working as the schema grows.

export const DEFAULT_QUERY = `# Welcome to Plumbline GraphiQL.
#
# Run with ▶ or Ctrl-Enter: the
# first assets of the catalog,
# each with its latest
# materialization.
#
# Ctrl-Space completes fields;
# the docs explorer (book icon)
# shows the whole schema.

query LatestMaterializations {
  assets(first: 20) {
    totalCount
    nodes {
      key {
        string
      }
      definition {
        group
        description
      }
      checkStatus
      latestMaterialization {
        storageId
        timestamp
        runId
        dataVersion
        metadata {
          key
          type
          value
        }
      }
    }
  }
}
`
