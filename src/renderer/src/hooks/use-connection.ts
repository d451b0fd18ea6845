import { useEffect, useState } from 'react'
import { ApiClient, errorMessage } from '../api'
import { resolveConnection } from '../connection'

export interface ConnectionState {
  client: ApiClient | null
  error: string | null
}

/** Finds the core (preload or page URL) once and returns the API client for it. */
export function useConnection(): ConnectionState {
  const [state, setState] = useState<ConnectionState>({ client: null, error: null })

  useEffect(() => {
    let cancelled = false
    resolveConnection().then(
      (connection) => {
        if (!cancelled) setState({ client: new ApiClient(connection), error: null })
      },
      (error: unknown) => {
        if (!cancelled) setState({ client: null, error: errorMessage(error) })
      },
    )
    return () => {
      cancelled = true
    }
  }, [])

  return state
}
