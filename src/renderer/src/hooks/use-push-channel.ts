import { useEffect, useState } from 'react'
import type { PushMessage } from '../../../shared/api'
import type { ApiClient } from '../api'
import type { PushBus } from '../push-bus'

export type PushChannelState = 'connecting' | 'live' | 'reconnecting'

const FIRST_RETRY_MS = 1_000
const MAX_RETRY_MS = 15_000

/**
 * Keeps one EventSource open on the core's events stream and publishes its
 * messages on `bus`. On any error the source is closed and reopened with
 * exponential backoff: the browser's own retry gives up for good after an
 * HTTP error status, for example while the core restarts.
 */
export function usePushChannel(client: ApiClient | null, bus: PushBus): PushChannelState {
  const [state, setState] = useState<PushChannelState>('connecting')

  useEffect(() => {
    if (client === null) return
    let source: EventSource | null = null
    let retryTimer: number | undefined
    let failures = 0
    let opened = false

    const connect = () => {
      source = new EventSource(client.eventsUrl())
      source.onopen = () => {
        failures = 0
        setState('live')
        bus.publish({ type: 'connected', reconnected: opened })
        opened = true
      }
      source.onmessage = (event: MessageEvent<string>) => {
        const message = parsePushMessage(event.data)
        if (message !== null) bus.publish(message)
      }
      source.onerror = () => {
        source?.close()
        setState('reconnecting')
        const delay = Math.min(FIRST_RETRY_MS * 2 ** failures, MAX_RETRY_MS)
        failures++
        retryTimer = window.setTimeout(connect, delay)
      }
    }

    connect()
    return () => {
      window.clearTimeout(retryTimer)
      source?.close()
    }
  }, [client, bus])

  return state
}

function parsePushMessage(data: string): PushMessage | null {
  let message: unknown
  try {
    message = JSON.parse(data)
  } catch {
    console.warn('Ignored a push message that is not JSON:', data.slice(0, 200))
    return null
  }
  if (typeof message !== 'object' || message === null || !('type' in message)) return null
  if (message.type === 'traces' && 'traces' in message && Array.isArray(message.traces)) {
    return message as PushMessage
  }
  if (message.type === 'status' && 'status' in message) return message as PushMessage
  if (message.type === 'run' && 'run' in message) return message as PushMessage
  if (message.type === 'alert' && 'alert' in message) return message as PushMessage
  return null
}
