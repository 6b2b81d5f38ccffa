import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, request, type TypedDocument } from './api.ts'

export type QueryState<TResult> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'error'; error: ApiError; data?: TResult }
  | { status: 'success'; data: TResult; error?: undefined }

export type QueryResult<TResult> = QueryState<TResult> & {
  /** Runs the query again; the current data stays shown meanwhile. */
  refetch: () => void
  /** True while a request runs with older data on show (a refetch, or new variables with keepPrevious). */
  refreshing: boolean
  /** Replaces the data shown, e.g. to apply a live update. */
  setData: (update: (data: TResult) => TResult) => void
}

export interface QueryOptions {
  /** Skip the request while false. */
  enabled?: boolean
  /**
   * Keep showing the data of the previous variables while new ones load (paging, filters),
   * so the page does not jump; an error then keeps that data too.
   */
  keepPrevious?: boolean
}

function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err))
}

/**
 * useQuery runs a query when the component mounts and again when the document or the
 * variables change, or on refetch(); a request still in flight is aborted when superseded
 * or unmounted.
 */
export function useQuery<TResult, TVariables>(
  document: TypedDocument<TResult, TVariables>,
  variables?: TVariables,
  { enabled = true, keepPrevious = false }: QueryOptions = {},
): QueryResult<TResult> {
  const key = document.toString() + '\n' + JSON.stringify(variables ?? {})
  const [state, setState] = useState<{ key: string; value: QueryState<TResult>; refreshing: boolean }>({
    key,
    value: { status: 'loading' },
    refreshing: false,
  })
  const [generation, setGeneration] = useState(0)
  const latest = useRef(state)
  latest.current = state

  useEffect(() => {
    if (!enabled) return
    const controller = new AbortController()
    const prev = latest.current
    const stale = prev.key === key || keepPrevious ? prev.value.data : undefined
    if (stale !== undefined) setState({ key, value: { status: 'success', data: stale }, refreshing: true })
    else if (prev.key !== key || prev.value.status !== 'loading') setState({ key, value: { status: 'loading' }, refreshing: false })
    request(document, variables, { signal: controller.signal }).then(
      (data) => setState({ key, value: { status: 'success', data }, refreshing: false }),
      (err: unknown) => {
        if (controller.signal.aborted) return
        setState({ key, value: { status: 'error', error: toApiError(err), data: stale }, refreshing: false })
      },
    )
    return () => controller.abort()
    // key captures document and variables by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, generation, enabled])

  const refetch = useCallback(() => setGeneration((g) => g + 1), [])
  const setData = useCallback(
    (update: (data: TResult) => TResult) =>
      setState((s) => (s.value.status === 'success' ? { ...s, value: { status: 'success', data: update(s.value.data) } } : s)),
    [],
  )

  if (state.key === key) return { ...state.value, refreshing: state.refreshing, refetch, setData }
  if (keepPrevious && state.value.data !== undefined) {
    return { status: 'success', data: state.value.data, refreshing: true, refetch, setData }
  }
  return { status: 'loading', refreshing: false, refetch, setData }
}

export type MutationState<TResult> =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'error'; error: ApiError }
  | { status: 'success'; data: TResult }

/** useMutation returns a function that runs the mutation, and its state. */
export function useMutation<TResult, TVariables>(
  document: TypedDocument<TResult, TVariables>,
): [(variables: TVariables) => Promise<TResult | null>, MutationState<TResult>, () => void] {
  const [state, setState] = useState<MutationState<TResult>>({ status: 'idle' })
  const run = useCallback(
    async (variables: TVariables) => {
      setState({ status: 'running' })
      try {
        const data = await request(document, variables)
        setState({ status: 'success', data })
        return data
      } catch (err) {
        setState({ status: 'error', error: toApiError(err) })
        return null
      }
    },
    [document],
  )
  const reset = useCallback(() => setState({ status: 'idle' }), [])
  return [run, state, reset]
}
