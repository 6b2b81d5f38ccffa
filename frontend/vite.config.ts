/// <reference types="vitest/config" />
// Vite config for the dashboard (index.html) and the bundled GraphiQL page (graphiql.html).
// Run through the root package.json: `npm run dev | build | test`.
import react from '@vitejs/plugin-react'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

const root = import.meta.dirname
const outDir = resolve(root, 'dist')

// The Go server (`plumbline serve`) that `npm run dev` proxies the API to.
const apiTarget = process.env.PLUMBLINE_DEV_API ?? 'http://localhost:3000'

/**
 * The Go package embeds dist/, so a fresh checkout keeps a committed dist/.gitkeep for
 * `go build` to work before any front-end build. Vite empties dist/ before a build; this
 * puts the (empty) placeholder back so the tree stays clean.
 */
function keepPlaceholder(): Plugin {
  return {
    name: 'plumbline:keep-dist-placeholder',
    apply: 'build',
    closeBundle() {
      writeFileSync(resolve(outDir, '.gitkeep'), '')
    },
  }
}

/** In the dev server, /graphiql serves graphiql.html as the Go handler does. */
function graphiqlRoute(): Plugin {
  return {
    name: 'plumbline:graphiql-route',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url === '/graphiql' || req.url?.startsWith('/graphiql?')) {
          req.url = '/graphiql.html' + req.url.slice('/graphiql'.length)
        }
        next()
      })
    },
  }
}

export default defineConfig({
  root,
  // Keep Vite's and Vitest's caches in the repository's node_modules (ignored), not in
  // frontend/node_modules.
  cacheDir: resolve(root, '../node_modules/.vite'),
  plugins: [react(), graphiqlRoute(), keepPlaceholder()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    // GraphiQL (Monaco editor, its workers and language services) is several MB: it is a
    // separate page, never loaded by the dashboard.
    chunkSizeWarningLimit: 5000,
    rolldownOptions: {
      input: {
        index: resolve(root, 'index.html'),
        graphiql: resolve(root, 'graphiql.html'),
      },
      onLog(level, log, handler) {
        // GraphiQL's packages are compiled by the React Compiler and start with a
        // "use no memo" directive, which bundling drops harmlessly.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE' && log.message.includes('use no memo')) return
        handler(level, log)
      },
    },
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: {
      '/graphql': { target: apiTarget, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
})
