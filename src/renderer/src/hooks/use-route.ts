import { useMemo, useSyncExternalStore } from 'react'
import { onRouteChange } from '../navigation'
import { parseRoute, type Route } from '../route'

function readHash(): string {
  return window.location.hash
}

/** Returns the current route and re-renders when it changes. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(onRouteChange, readHash)
  return useMemo(() => parseRoute(hash), [hash])
}
