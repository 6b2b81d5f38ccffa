import { useEffect, useState } from 'react'
import { ApiError, request, type TypedDocument } from './api.ts'

export type QueryState<TResult> =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'success'; data: TResult }

/**
 * useQuery runs a query when the component mounts and again when the document or the
 * variables change; a request still in flight is aborted when superseded or unmounted.
 */
export function useQuery<TResult, TVariables>(
  document: TypedDocument<TResult, TVariables>,
  variables?: TVariables,
): QueryState<TResult> {
  const key = document.toString() + '\n' + JSON.stringify(variables ?? {})
  const [state, setState] = useState<{ key: string; value: QueryState<TResult> }>({
    key,
    value: { status: 'loading' },
  })

  useEffect(() => {
    const controller = new AbortController()
    request(document, variables, { signal: controller.signal }).then(
      (data) => setState({ key, value: { status: 'success', data } }),
      (err: unknown) => {
        if (controller.signal.aborted) return
        const error = err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err))
        setState({ key, value: { status: 'error', error } })
      },
    )
    return () => controller.abort()
    // key captures document and variables by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key])

  return state.key === key ? state.value : { status: 'loading' }
}
