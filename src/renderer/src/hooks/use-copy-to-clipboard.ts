import { useCallback, useEffect, useRef, useState } from 'react'

export type CopyState = 'idle' | 'copied' | 'failed'

const FEEDBACK_MS = 1_500

/**
 * Copies text with the Clipboard API, falling back to execCommand('copy')
 * where the API is missing or denied (older Electron, non-secure origins).
 * The state shows 'copied' or 'failed' for a moment after each attempt.
 */
export function useCopyToClipboard(): { state: CopyState; copy: (text: string) => void } {
  const [state, setState] = useState<CopyState>('idle')
  const timer = useRef<number | undefined>(undefined)

  useEffect(() => () => window.clearTimeout(timer.current), [])

  const copy = useCallback((text: string) => {
    const show = (next: CopyState) => {
      setState(next)
      window.clearTimeout(timer.current)
      timer.current = window.setTimeout(() => setState('idle'), FEEDBACK_MS)
    }
    const clipboard = navigator.clipboard as Clipboard | undefined
    if (clipboard?.writeText === undefined) {
      show(copyWithTextarea(text) ? 'copied' : 'failed')
      return
    }
    clipboard.writeText(text).then(
      () => show('copied'),
      () => show(copyWithTextarea(text) ? 'copied' : 'failed'),
    )
  }, [])

  return { state, copy }
}

function copyWithTextarea(text: string): boolean {
  const textarea = document.createElement('textarea')
  textarea.value = text
  textarea.setAttribute('readonly', '')
  textarea.style.position = 'fixed'
  textarea.style.opacity = '0'
  document.body.appendChild(textarea)
  textarea.select()
  try {
    return document.execCommand('copy')
  } catch {
    return false
  } finally {
    textarea.remove()
  }
}
