// Hash navigation. Kept apart from route.ts, which is pure and runs in unit tests without a DOM.

const ROUTE_CHANGE_EVENT = 'loupe:route-change'

/**
 * Moves to `hash`. With `replace`, the current history entry is replaced, so
 * that moving the selection through a tree does not fill the back button.
 */
export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  if (window.location.hash === hash) return
  if (options.replace) {
    window.history.replaceState(window.history.state, '', hash)
    // replaceState fires no hashchange, so notify the route hook directly.
    window.dispatchEvent(new Event(ROUTE_CHANGE_EVENT))
  } else {
    window.location.hash = hash
  }
}

/** Calls `listener` on every route change, from links, history or navigate(). */
export function onRouteChange(listener: () => void): () => void {
  window.addEventListener('hashchange', listener)
  window.addEventListener(ROUTE_CHANGE_EVENT, listener)
  return () => {
    window.removeEventListener('hashchange', listener)
    window.removeEventListener(ROUTE_CHANGE_EVENT, listener)
  }
}
