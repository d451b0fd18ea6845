import { useEffect, useState } from 'react'

/** Time after the last keystroke before typed text becomes part of the filters, in milliseconds. */
const TEXT_DELAY_MS = 300

/**
 * Keeps the text field of a filter bar apart from the applied `filters`,
 * and copies it into their `text` once typing pauses, so that each key
 * does not query the core. Returns the field's text and its setter.
 */
export function useDebouncedText<F extends { text: string }>(
  filters: F,
  setFilters: (next: F) => void,
): [string, (text: string) => void] {
  const [text, setText] = useState(filters.text)
  useEffect(() => {
    if (text === filters.text) return
    const timer = window.setTimeout(() => setFilters({ ...filters, text }), TEXT_DELAY_MS)
    return () => window.clearTimeout(timer)
  }, [text, filters, setFilters])
  return [text, setText]
}
