import { describe, expect, it } from 'vitest'
import { ApiError, parseResponse, request, type TypedDocument } from './api.ts'

function thrown(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError)
    return err as ApiError
  }
  throw new Error('did not throw')
}

describe('parseResponse', () => {
  it('returns data', () => {
    expect(parseResponse(200, 'OK', '{"data":{"assets":{"totalCount":0}}}')).toEqual({ assets: { totalCount: 0 } })
  })

  it("shows the API's error messages", () => {
    const err = thrown(() =>
      parseResponse(200, 'OK', '{"errors":[{"message":"asset key is empty"},{"message":"second"}],"data":null}'),
    )
    expect(err.message).toBe('asset key is empty; second')
    expect(err.errors).toHaveLength(2)
  })

  it('treats GraphQL errors with an HTTP error status (graphql-response+json) as the API message', () => {
    const err = thrown(() => parseResponse(422, 'Unprocessable Entity', '{"errors":[{"message":"Cannot query field"}]}'))
    expect(err.message).toBe('Cannot query field')
    expect(err.status).toBe(422)
  })

  it('reports a non-JSON error response by status and body', () => {
    const err = thrown(() => parseResponse(502, 'Bad Gateway', 'upstream down\n'))
    expect(err.message).toBe('HTTP 502 Bad Gateway: upstream down')
  })

  it('reports a JSON error response without errors by status', () => {
    expect(thrown(() => parseResponse(500, 'Internal Server Error', '{}')).message).toBe('HTTP 500 Internal Server Error')
  })

  it('rejects a response without data', () => {
    expect(thrown(() => parseResponse(200, 'OK', '{"data":null}')).message).toBe('The server returned no data')
  })
})

describe('request', () => {
  const doc: TypedDocument<{ ok: boolean }, { first: number }> = { toString: () => 'query Q($first: Int) { ok }' }

  it('POSTs the document and variables as JSON to /graphql', async () => {
    let seen: { url: string; init: RequestInit } | undefined
    const fetchFn = (async (url: string, init: RequestInit) => {
      seen = { url, init }
      return new Response('{"data":{"ok":true}}', { status: 200 })
    }) as unknown as typeof fetch
    await expect(request(doc, { first: 5 }, { fetchFn })).resolves.toEqual({ ok: true })
    expect(seen?.url).toBe('/graphql')
    expect(seen?.init.method).toBe('POST')
    expect(JSON.parse(String(seen?.init.body))).toEqual({ query: 'query Q($first: Int) { ok }', variables: { first: 5 } })
  })

  it('turns a network failure into a readable error', async () => {
    const fetchFn = (async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch
    await expect(request(doc, { first: 1 }, { fetchFn })).rejects.toThrow(
      'Could not reach the Plumbline server (Failed to fetch)',
    )
  })
})
