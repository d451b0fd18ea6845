import { useEffect } from 'react'
import { FailedRunCounter } from '../../../shared/failed-runs'
import type { PushBus } from '../push-bus'

/**
 * Counts runs that fail while the window is in the background, from the
 * traces on the push bus, and shows the count in the page title, as
 * "(2) Loupe", and on the desktop app's dock or tray icon. Focusing the
 * window clears it.
 */
export function useFailedRunBadge(bus: PushBus): void {
  useEffect(() => {
    const counter = new FailedRunCounter(document.hasFocus(), Date.now())
    const title = document.title
    let displayedCount = 0
    const show = (count: number) => {
      if (count === displayedCount) return
      displayedCount = count
      document.title = count === 0 ? title : `(${count}) ${title}`
      window.loupe?.setFailedRunCount(count).catch((error: unknown) => {
        console.warn('Could not update the failed-run badge:', error)
      })
    }
    const onFocus = () => show(counter.focus())
    const onBlur = () => show(counter.blur(Date.now()))
    window.addEventListener('focus', onFocus)
    window.addEventListener('blur', onBlur)
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'traces') show(counter.observe(message.traces))
    })
    return () => {
      unsubscribe()
      window.removeEventListener('focus', onFocus)
      window.removeEventListener('blur', onBlur)
      document.title = title
    }
  }, [bus])
}
