// Monaco's web workers, bundled by Vite. This is graphiql/setup-workers/vite written in
// our own source: the published file's `?worker` imports break Vite's dev-server
// dependency pre-bundling (graphql/graphiql#4038), while here Vite handles them in dev
// and build alike. monaco-editor is pinned to the version @graphiql/react pins.
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker'
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker'
import type { Environment } from 'monaco-editor'
import GraphQLWorker from 'monaco-graphql/esm/graphql.worker.js?worker'

const environment: Environment = {
  getWorker(_workerId, label) {
    switch (label) {
      case 'json':
        return new JsonWorker()
      case 'graphql':
        return new GraphQLWorker()
      default:
        return new EditorWorker()
    }
  },
}

window.MonacoEnvironment = environment
