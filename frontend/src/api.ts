// A small GraphQL client: POSTs typed documents (generated into gql/ by `npm run codegen`)
// to the same-origin /graphql endpoint. Subscriptions (graphql-ws) come with the live views.

export const GRAPHQL_PATH = '/graphql'

/**
 * A GraphQL document whose result and variables types are known: what the generated
 * graphql() function returns (TypedDocumentString). toString() is the document text.
 */
export interface TypedDocument<TResult, TVariables> {
  toString(): string
  __apiType?: (variables: TVariables) => TResult
}

/** One entry of a GraphQL response's errors list. */
export interface GraphQLErrorEntry {
  message: string
  path?: ReadonlyArray<string | number>
  extensions?: Record<string, unknown>
}

/** ApiError is a failed request; message is safe to show (it is the API's own message). */
export class ApiError extends Error {
  readonly status: number
  readonly errors: GraphQLErrorEntry[]

  constructor(message: string, status = 0, errors: GraphQLErrorEntry[] = []) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.errors = errors
  }
}

function isErrorEntry(v: unknown): v is GraphQLErrorEntry {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string'
}

/**
 * parseResponse turns an HTTP response (status and body text) into the result's data, or
 * throws an ApiError carrying the API's error messages. A response with any GraphQL error
 * is an error: the dashboard does not render partial data yet.
 */
export function parseResponse<TResult>(status: number, statusText: string, body: string): TResult {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    const text = body.trim().slice(0, 200)
    const prefix = status >= 200 && status < 300 ? 'Invalid response from the server' : `HTTP ${status} ${statusText}`.trim()
    throw new ApiError(text ? `${prefix}: ${text}` : prefix, status)
  }
  if (typeof json !== 'object' || json === null) {
    throw new ApiError('Invalid response from the server', status)
  }
  const { data, errors } = json as { data?: unknown; errors?: unknown }
  if (Array.isArray(errors) && errors.length > 0) {
    const entries = errors.filter(isErrorEntry)
    const message = entries.length > 0 ? entries.map((e) => e.message).join('; ') : 'Unknown GraphQL error'
    throw new ApiError(message, status, entries)
  }
  if (status < 200 || status >= 300) {
    throw new ApiError(`HTTP ${status} ${statusText}`.trim(), status)
  }
  if (data === undefined || data === null) {
    throw new ApiError('The server returned no data', status)
  }
  return data as TResult
}

/** request runs a query or mutation and resolves to its data. */
export async function request<TResult, TVariables>(
  document: TypedDocument<TResult, TVariables>,
  variables?: TVariables,
  { signal, fetchFn = fetch }: { signal?: AbortSignal; fetchFn?: typeof fetch } = {},
): Promise<TResult> {
  let res: Response
  try {
    res = await fetchFn(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      signal,
    })
  } catch (err) {
    if (signal?.aborted) throw err
    throw new ApiError(`Could not reach the Plumbline server (${err instanceof Error ? err.message : String(err)})`)
  }
  return parseResponse<TResult>(res.status, res.statusText, await res.text())
}
