import { useState, type FormEvent } from 'react'
import { navigate } from '../navigation'
import { traceHash } from '../route'
import { ImportTraceForm } from './ImportTraceForm'

/** Returns whether text is a possible trace id: hexadecimal digits in lower case, usually 32. */
export function isHexTraceId(text: string): boolean {
  return /^[0-9a-f]+$/.test(text)
}

/**
 * Opens a trace by id; ids are matched case-insensitively, so any case may be
 * pasted. Import… fetches a trace that is not stored yet from Tempo or Jaeger.
 */
export function OpenTraceBox() {
  const [value, setValue] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [importing, setImporting] = useState(false)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const traceId = value.trim().toLowerCase()
    if (traceId === '') return
    if (!isHexTraceId(traceId)) {
      setProblem('A trace id is hexadecimal (0-9, a-f), usually 32 characters.')
      return
    }
    setProblem(null)
    navigate(traceHash(traceId))
  }

  return (
    <div className="open-trace-box">
      <form className="open-trace" onSubmit={submit} role="search">
        <label htmlFor="open-trace-id">Open trace</label>
        <input
          id="open-trace-id"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          placeholder="trace id, e.g. 4bf92f3577b34da6a3ce929d0e0e4736"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit">Open</button>
        <button
          type="button"
          aria-expanded={importing}
          onClick={() => setImporting(!importing)}
          title="Fetch a trace by id from a Tempo or Jaeger query API and store it"
        >
          Import…
        </button>
        {problem !== null && <span className="field-problem">{problem}</span>}
      </form>
      {importing && (
        <ImportTraceForm
          initialTraceId={value}
          onImported={(traceId) => navigate(traceHash(traceId))}
        />
      )}
    </div>
  )
}
