import { lazy, Suspense, useEffect, useRef, useState, type RefObject } from 'react'
import type { JsonValue } from '../../../shared/api'
import { parseEmbeddedJson } from '../format'
import { scrubbedReason } from '../genai/logfire'
import { LongText } from './LongText'
import { ScrubbedValue } from './ScrubbedValue'

const MonacoJson = lazy(() => import('./MonacoJson'))

/** Largest JSON text shown in Monaco; bigger documents show as folded text. */
const MONACO_MAX_CHARS = 200_000

/**
 * Shows a JSON value such as tool arguments, a tool result or a structured
 * output. Objects and arrays, and strings that contain them, go into a
 * read-only Monaco editor. Other strings show as text, and numbers, booleans
 * and null as JSON. Monaco loads and mounts only once the view scrolls into
 * sight, so the plain text is shown until then.
 */
export function JsonView({ value, label }: { value: JsonValue; label: string }) {
  const reason = scrubbedReason(value)
  if (reason !== null) return <ScrubbedValue reason={reason} />
  const structured =
    value !== null && typeof value === 'object' ? value : (parseEmbeddedJson(value) ?? null)
  if (structured === null) {
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    return (
      <div className="json-view" data-testid="json-view">
        <LongText text={text} />
      </div>
    )
  }
  const text = JSON.stringify(structured, null, 2)
  if (text.length > MONACO_MAX_CHARS) {
    return (
      <div className="json-view" data-testid="json-view">
        <LongText text={text} />
      </div>
    )
  }
  return <LazyMonaco text={text} label={label} />
}

function LazyMonaco({ text, label }: { text: string; label: string }) {
  const ref = useRef<HTMLDivElement>(null)
  const visible = useSeen(ref)
  const fallback = <LongText text={text} />
  return (
    <div ref={ref} className="json-view" data-testid="json-view">
      {visible ? (
        <Suspense fallback={fallback}>
          <MonacoJson text={text} label={label} />
        </Suspense>
      ) : (
        fallback
      )}
    </div>
  )
}

/** True once the element has come within 200 px of the viewport; stays true after. */
function useSeen(ref: RefObject<HTMLElement | null>): boolean {
  const [seen, setSeen] = useState(false)
  useEffect(() => {
    const element = ref.current
    if (seen || element === null) return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setSeen(true)
      },
      { rootMargin: '200px' },
    )
    observer.observe(element)
    return () => observer.disconnect()
  }, [ref, seen])
  return seen
}
