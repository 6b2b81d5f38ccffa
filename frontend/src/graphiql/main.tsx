// The GraphiQL page (/graphiql): bundled from npm, so it needs no network beyond this
// server. Monaco's workers are bundled too (workers.ts).
import './workers.ts'
import 'graphiql/style.css'
import './graphiql.css'
import { createGraphiQLFetcher } from '@graphiql/toolkit'
import { GraphiQL } from 'graphiql'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { DEFAULT_QUERY } from './defaultQuery.ts'
import { endpoints } from './endpoints.ts'

// The schema comes from the server by introspection (GraphiQL's default).
const fetcher = createGraphiQLFetcher(endpoints(window.location))

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultEditorToolsVisibility={false}>
      <GraphiQL.Logo>
        <a href="/" className="plumbline-graphiql-logo" title="Back to the Plumbline dashboard">
          Plumbline
        </a>
      </GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
)
