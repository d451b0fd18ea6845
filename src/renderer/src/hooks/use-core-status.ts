import { useEffect, useState } from 'react'
import type { CoreStatus } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface CoreStatusState {
  status: CoreStatus | null
  error: string | null
}

/** Loads the core's status and keeps it current from the push channel. */
export function useCoreStatus(): CoreStatusState {
  const { client, bus } = useApi()
  const [state, setState] = useState<CoreStatusState>({ status: null, error: null })

  useEffect(() => {
    let controller = new AbortController()
    const load = () => {
      controller.abort()
      controller = new AbortController()
      client.getStatus(controller.signal).then(
        (status) => setState({ status, error: null }),
        (error: unknown) => {
          if (!isAbortError(error)) setState((old) => ({ ...old, error: errorMessage(error) }))
        },
      )
    }

    load()
    const unsubscribe = bus.subscribe((message) => {
      if (message.type === 'status') setState({ status: message.status, error: null })
      else if (message.type === 'connected') load()
    })
    return () => {
      unsubscribe()
      controller.abort()
    }
  }, [client, bus])

  return state
}
