import { useState, type FormEvent } from 'react'
import { navigate } from '../navigation'
import { traceHash } from '../route'

const HEX = /^[0-9a-f]+$/

/** Opens a trace by id; ids are matched case-insensitively, so any case may be pasted. */
export function OpenTraceBox() {
  const [value, setValue] = useState('')
  const [problem, setProblem] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const traceId = value.trim().toLowerCase()
    if (traceId === '') return
    if (!HEX.test(traceId)) {
      setProblem('A trace id is hexadecimal (0-9, a-f), usually 32 characters.')
      return
    }
    setProblem(null)
    navigate(traceHash(traceId))
  }

  return (
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
      {problem !== null && <span className="field-problem">{problem}</span>}
    </form>
  )
}
