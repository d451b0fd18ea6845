import { useCallback, useState } from 'react'

/**
 * Like useState, but kept in sessionStorage under `key`, so that a choice
 * such as the trace list's sort survives opening a trace and coming back.
 * `isValid` rejects stored values of an older shape.
 */
export function useSessionState<T>(
  key: string,
  initial: T,
  isValid: (value: unknown) => value is T,
): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => readStored(key, initial, isValid))
  const update = useCallback(
    (next: T) => {
      setValue(next)
      try {
        window.sessionStorage.setItem(key, JSON.stringify(next))
      } catch {
        // Storage full or disabled: the choice lasts until the page closes.
      }
    },
    [key],
  )
  return [value, update]
}

function readStored<T>(key: string, initial: T, isValid: (value: unknown) => value is T): T {
  try {
    const stored = window.sessionStorage.getItem(key)
    if (stored === null) return initial
    const parsed: unknown = JSON.parse(stored)
    return isValid(parsed) ? parsed : initial
  } catch {
    return initial
  }
}
