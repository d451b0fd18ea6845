import { useState } from 'react'
import { formatCount } from '../format'
import { CopyButton } from './CopyButton'

/** Characters shown before a long value is cut. */
export const LONG_TEXT_HEAD_CHARS = 2_000
/** Largest value that "show all" renders at once; beyond it, the value grows in steps. */
const SHOW_ALL_MAX_CHARS = 500_000
const STEP_CHARS = 200_000

/**
 * Preformatted text that shows only its head when long, so that a
 * multi-megabyte attribute never lands in the DOM unasked. Values up to
 * SHOW_ALL_MAX_CHARS expand at once; larger ones expand STEP_CHARS at a time
 * and can be copied or opened whole in a new tab.
 */
export function LongText({
  text,
  headChars = LONG_TEXT_HEAD_CHARS,
  prose = false,
}: {
  text: string
  /** Characters shown before "show all". */
  headChars?: number
  /** Message text: wraps in the UI font instead of the monospace one. */
  prose?: boolean
}) {
  const [shownChars, setShownChars] = useState(headChars)
  const className = prose ? 'value prose' : 'value'
  if (text.length <= headChars) return <pre className={className}>{text}</pre>

  const complete = shownChars >= text.length
  const total = formatCount(text.length)
  return (
    <div className="long-value">
      <pre className={className}>
        {complete ? text : text.slice(0, shownChars)}
        {!complete && <span className="cut">…</span>}
      </pre>
      <div className="long-value-controls">
        {complete ? (
          <button type="button" onClick={() => setShownChars(headChars)}>
            show less
          </button>
        ) : text.length <= SHOW_ALL_MAX_CHARS ? (
          <button type="button" onClick={() => setShownChars(text.length)}>
            show all ({total} chars)
          </button>
        ) : (
          <>
            <span className="muted">
              {formatCount(shownChars)} of {total} chars shown
            </span>
            <button type="button" onClick={() => setShownChars(shownChars + STEP_CHARS)}>
              show {formatCount(Math.min(STEP_CHARS, text.length - shownChars))} more
            </button>
            <button type="button" onClick={() => openInNewTab(text)}>
              open all ({total} chars) in a new tab
            </button>
          </>
        )}
        <CopyButton text={text} label="Copy value" />
      </div>
    </div>
  )
}

function openInNewTab(text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }))
  window.open(url, '_blank', 'noopener')
  // The new tab has loaded the blob by then; release the memory.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
