import type { ReactNode } from 'react'
import type { CursorPagesState } from '../hooks/use-cursor-pages'
import { ErrorNotice } from './ErrorNotice'

/**
 * Renders a list paged by cursor: its load error, then a loading line, the
 * `empty` note or the items loaded so far, and a button for the next older
 * page while there is one.
 */
export function CursorPageList<T>({
  pages,
  noun,
  empty,
  olderLabel,
  children,
}: {
  pages: CursorPagesState<T>
  /** Plural noun for the error title and the loading line, such as "logs". */
  noun: string
  /** Note shown when the first page has no items. */
  empty: ReactNode
  /** Text of the button that loads older items. */
  olderLabel: string
  children: (items: T[]) => ReactNode
}) {
  return (
    <>
      {pages.error !== null && (
        <ErrorNotice title={`Could not load ${noun}`} message={pages.error} />
      )}
      {pages.loading ? (
        <p className="muted">{`Loading ${noun}…`}</p>
      ) : pages.items.length === 0 ? (
        empty
      ) : (
        children(pages.items)
      )}
      {pages.hasMore && (
        <button
          type="button"
          className="load-older"
          onClick={pages.loadMore}
          disabled={pages.loadingMore}
        >
          {pages.loadingMore ? 'Loading…' : olderLabel}
        </button>
      )}
    </>
  )
}
