import { useState, type FormEvent } from 'react'
import type { RemoteImportRequest } from '../../../shared/import'
import { ApiError } from '../api'
import { useApi } from '../api-context'

type Source = RemoteImportRequest['from']

const PLACEHOLDERS: Record<Source, string> = {
  tempo: 'http://localhost:3200',
  jaeger: 'http://localhost:16686',
}

const storageKey = (source: Source) => `loupe.import.${source}.baseUrl`

function savedBaseUrl(source: Source): string {
  try {
    return window.localStorage.getItem(storageKey(source)) ?? ''
  } catch {
    return ''
  }
}

/**
 * Fetches one trace by id from a Tempo or Jaeger query API through the core,
 * which stores it, then calls `onImported` with the stored trace id. The
 * base URL of each source is kept in localStorage for the next import.
 */
export function ImportTraceForm({
  initialTraceId,
  onImported,
}: {
  initialTraceId: string
  onImported: (traceId: string) => void
}) {
  const { client } = useApi()
  const [source, setSource] = useState<Source>('tempo')
  const [baseUrl, setBaseUrl] = useState(() => savedBaseUrl('tempo'))
  const [traceId, setTraceId] = useState(initialTraceId.trim())
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)

  const changeSource = (next: Source) => {
    setSource(next)
    setBaseUrl(savedBaseUrl(next))
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (baseUrl.trim() === '' || traceId.trim() === '') {
      setProblem('Give the base URL of the query API and the trace id.')
      return
    }
    setBusy(true)
    setProblem(null)
    try {
      const result = await client.importTrace({ from: source, baseUrl: baseUrl.trim(), traceId })
      try {
        window.localStorage.setItem(storageKey(source), baseUrl.trim())
      } catch {
        // Private windows may reject storage, and the import itself succeeded.
      }
      onImported(result.traceIds[0]!)
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      className="import-trace"
      onSubmit={(event) => void submit(event)}
      aria-label="Import a trace"
    >
      <select
        aria-label="Query API"
        value={source}
        onChange={(event) => changeSource(event.target.value as Source)}
      >
        <option value="tempo">Tempo</option>
        <option value="jaeger">Jaeger</option>
      </select>
      <input
        aria-label="Base URL"
        value={baseUrl}
        onChange={(event) => setBaseUrl(event.target.value)}
        placeholder={PLACEHOLDERS[source]}
        spellCheck={false}
      />
      <input
        aria-label="Trace id to import"
        value={traceId}
        onChange={(event) => setTraceId(event.target.value)}
        placeholder="trace id"
        spellCheck={false}
        autoComplete="off"
      />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Importing…' : 'Import'}
      </button>
      {problem !== null && (
        <span className="field-problem" role="alert">
          {problem}
        </span>
      )}
    </form>
  )
}
