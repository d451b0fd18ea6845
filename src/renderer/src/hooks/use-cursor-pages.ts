import { useCallback, useEffect, useRef, useState } from 'react'
import { errorMessage, isAbortError } from '../api'

export interface CursorPage<T> {
  items: T[]
  /** The cursor of the next (older) page, or null after the last one. */
  nextBefore: string | null
}

export interface CursorPagesState<T> {
  items: T[]
  /** True while the first page loads. */
  loading: boolean
  error: string | null
  hasMore: boolean
  loadingMore: boolean
  loadMore: () => void
  reload: () => void
}

/**
 * Loads the first page of a list paged by cursor, and appends older pages
 * on request. A change of `key` (the query) starts over from the first
 * page; `load` is read when a page loads, so it may change every render.
 */
export function useCursorPages<T>(
  key: string,
  load: (before: string | null, signal: AbortSignal) => Promise<CursorPage<T>>,
): CursorPagesState<T> {
  const [items, setItems] = useState<T[]>([])
  const [nextBefore, setNextBefore] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [loadingMore, setLoadingMore] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [reloads, setReloads] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  const moreController = useRef<AbortController | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    moreController.current?.abort()
    setLoadingMore(false)
    setLoading(true)
    loadRef.current(null, controller.signal).then(
      (page) => {
        setItems(page.items)
        setNextBefore(page.nextBefore)
        setError(null)
        setLoading(false)
      },
      (caught: unknown) => {
        if (isAbortError(caught)) return
        setError(errorMessage(caught))
        setLoading(false)
      },
    )
    return () => controller.abort()
  }, [key, reloads])

  const loadMore = useCallback(() => {
    if (nextBefore === null) return
    const controller = new AbortController()
    moreController.current = controller
    setLoadingMore(true)
    loadRef.current(nextBefore, controller.signal).then(
      (page) => {
        setItems((old) => old.concat(page.items))
        setNextBefore(page.nextBefore)
        setLoadingMore(false)
      },
      (caught: unknown) => {
        if (isAbortError(caught)) return
        setError(errorMessage(caught))
        setLoadingMore(false)
      },
    )
  }, [nextBefore])

  const reload = useCallback(() => setReloads((count) => count + 1), [])

  return {
    items,
    loading,
    error,
    hasMore: nextBefore !== null,
    loadingMore,
    loadMore,
    reload,
  }
}
