import { useEffect, useState } from 'react'
import type { SingleCallJson } from '../../../shared/api'
import { errorMessage, isAbortError } from '../api'
import { useApi } from '../api-context'

export interface SingleCallState {
  call: SingleCallJson | null
  /** The error that kept the request from loading, or null. */
  error: string | null
}

/** Loads a model-call span's request, rebuilt as a Chat Completions body, and its original reply. */
export function useSingleCall(traceId: string, spanId: string): SingleCallState {
  const { client } = useApi()
  const key = `${traceId}/${spanId}`
  const [state, setState] = useState<SingleCallState & { key: string }>({
    key: '',
    call: null,
    error: null,
  })

  useEffect(() => {
    const controller = new AbortController()
    client.getCallRequest(traceId, spanId, controller.signal).then(
      (call) => setState({ key, call, error: null }),
      (error: unknown) => {
        if (isAbortError(error)) return
        setState({ key, call: null, error: errorMessage(error) })
      },
    )
    return () => controller.abort()
  }, [client, traceId, spanId, key])

  return state.key === key ? state : { call: null, error: null }
}
