import { useEffect, useRef, useState, type ReactNode } from 'react'

/** Time after the last keystroke before typed filter text is applied, in milliseconds. */
const TYPING_DELAY_MS = 400

/** Renders a select over fixed choices, plus an option for a URL value that is none of them. */
export function OptionSelect({
  label,
  value,
  options,
  customLabel,
  onChange,
}: {
  label: string
  value: string
  options: readonly { value: string; label: string }[]
  customLabel: (value: string) => string
  onChange: (value: string) => void
}) {
  const custom = options.some((option) => option.value === value) ? null : value
  return (
    <select aria-label={label} value={value} onChange={(event) => onChange(event.target.value)}>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
      {custom !== null && <option value={custom}>{customLabel(custom)}</option>}
    </select>
  )
}

/**
 * Renders a text field that applies its text a moment after typing stops, or at once
 * on Enter or when it loses focus. It follows `value` when the address bar
 * changes for another reason (Clear filters, the back button).
 */
export function TypedField({
  label,
  value,
  onCommit,
  problem,
  placeholder,
  className,
  type = 'text',
  hideLabel = false,
  multiline = false,
}: {
  label: string
  value: string
  onCommit: (value: string) => void
  problem: string | null
  placeholder?: string
  className?: string
  type?: 'text' | 'search'
  hideLabel?: boolean
  multiline?: boolean
}) {
  const [draft, setDraft] = useState(value)
  const [shown, setShown] = useState(value)
  if (value !== shown) {
    // The address bar changed: show its value instead of the draft.
    setShown(value)
    setDraft(value)
  }
  const commitRef = useRef(onCommit)
  useEffect(() => {
    commitRef.current = onCommit
  }, [onCommit])
  useEffect(() => {
    if (draft === value) return
    const timer = setTimeout(() => commitRef.current(draft), TYPING_DELAY_MS)
    return () => clearTimeout(timer)
  }, [draft, value])
  const commitNow = () => {
    if (draft !== value) onCommit(draft)
  }
  const common = {
    'aria-label': label,
    'aria-invalid': problem !== null ? true : undefined,
    placeholder,
    value: draft,
    spellCheck: false,
    onBlur: commitNow,
  }
  let input: ReactNode
  if (multiline) {
    input = <textarea {...common} rows={2} onChange={(event) => setDraft(event.target.value)} />
  } else {
    input = (
      <input
        {...common}
        type={type}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commitNow()
        }}
      />
    )
  }
  return (
    <label className={['filter-field', className].filter(Boolean).join(' ')}>
      {!hideLabel && label}
      {input}
      {problem !== null && <span className="field-problem">{problem}</span>}
    </label>
  )
}
