import { useCallback, useEffect, useRef, useState } from 'react'
import type { QueryRequest, QueryResult } from '../../../shared/api'
import type { QuerySchemaJson } from '../../../shared/dashboards'
import { ApiError, errorMessage, isAbortError } from '../api'
import { queryTimeoutMessage } from '../../../shared/query-timeout'
import { useApi } from '../api-context'
import { getQuerySchema, runQuery } from '../dashboard-client'

/** Maximum of the page's "Time limit (s)" field: the core's maximum of 60,000 ms. */
export const MAX_TIMEOUT_SECONDS = 60

export interface SqlQueryState {
  running: boolean
  /** The last query's rows, kept while the next one runs. */
  result: QueryResult | null
  /** The core's message for the last query that failed, such as its time limit. */
  error: string | null
  /** The request of the last result or error. */
  request: QueryRequest | null
}

/** Runs SQL explorer queries one at a time; a new run replaces one still waiting for its reply. */
export function useSqlQuery(): { state: SqlQueryState; run: (request: QueryRequest) => void } {
  const { client } = useApi()
  const [state, setState] = useState<SqlQueryState>({
    running: false,
    result: null,
    error: null,
    request: null,
  })
  const controller = useRef<AbortController | null>(null)
  useEffect(() => () => controller.current?.abort(), [])

  const run = useCallback(
    (request: QueryRequest) => {
      controller.current?.abort()
      const current = new AbortController()
      controller.current = current
      setState((old) => ({ ...old, running: true }))
      runQuery(client, request, current.signal).then(
        (result) => setState({ running: false, result, error: null, request }),
        (error: unknown) => {
          if (isAbortError(error)) return
          setState({
            running: false,
            result: null,
            error: queryErrorMessage(error, request),
            request,
          })
        },
      )
    },
    [client],
  )
  return { state, run }
}

/**
 * Returns the core's message for a failed query, except that a time-out
 * names the page's "Time limit (s)" field instead of the API's timeoutMs.
 */
function queryErrorMessage(error: unknown, request: QueryRequest): string {
  if (!(error instanceof ApiError) || error.code !== 'timeout' || request.timeoutMs === undefined) {
    return errorMessage(error)
  }
  return queryTimeoutMessage(
    request.timeoutMs,
    `the "Time limit (s)" field (at most ${MAX_TIMEOUT_SECONDS} s)`,
  )
}

/** Loads the views' columns and the helper functions for completion; null until loaded or when loading failed. */
export function useQuerySchema(): QuerySchemaJson | null {
  const { client } = useApi()
  const [schema, setSchema] = useState<QuerySchemaJson | null>(null)
  useEffect(() => {
    const controller = new AbortController()
    getQuerySchema(client, controller.signal).then(setSchema, (error: unknown) => {
      // Completion is a convenience: without the schema the editor still works.
      if (!isAbortError(error)) setSchema(null)
    })
    return () => controller.abort()
  }, [client])
  return schema
}
