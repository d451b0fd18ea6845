import { useCallback, useMemo, useSyncExternalStore } from 'react'
import {
  parseTraceFilter,
  serializeTraceFilter,
  type FilterParseResult,
} from '../../../shared/trace-filter'
import { listHash, listQueryOf } from '../list-filter'
import { navigate, onRouteChange } from '../navigation'

export interface ListFilter {
  /** The filter parameters as they appear in the address bar. */
  params: URLSearchParams
  parsed: FilterParseResult
  /** The parsed filter as a canonical URL query for the API, or null while it is invalid. */
  query: string | null
  /** Puts new filter parameters in the address bar, replacing the current history entry. */
  setParams: (params: URLSearchParams) => void
}

function readHash(): string {
  return window.location.hash
}

/** Returns the trace list's filter from the address bar (`#/?…`) and re-renders when it changes. */
export function useListFilter(): ListFilter {
  const hash = useSyncExternalStore(onRouteChange, readHash)
  const raw = listQueryOf(hash)
  const params = useMemo(() => new URLSearchParams(raw), [raw])
  const parsed = useMemo(() => parseTraceFilter(params), [params])
  const query = parsed.ok ? serializeTraceFilter(parsed.filter).toString() : null
  const setParams = useCallback((next: URLSearchParams) => {
    navigate(listHash(next), { replace: true })
  }, [])
  return { params, parsed, query, setParams }
}
