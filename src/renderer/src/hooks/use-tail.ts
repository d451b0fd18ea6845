import { useEffect, useRef, useState } from 'react'
import type { TailMessage } from '../../../shared/tail'
import { errorMessage } from '../api'
import { useApi } from '../api-context'
import { streamTail } from '../tail-logs-sessions-api'
import { TailBuffer, type TailFilter } from '../tail-buffer'

export type TailConnection = 'connecting' | 'live' | 'reconnecting'

export interface TailState {
  buffer: TailBuffer
  connection: TailConnection
  /** The reason the last stream broke off, while reconnecting. */
  error: string | null
  /** Spans the core keeps for a stream that falls behind or reconnects. */
  capacity: number | null
  /** Times the stream could not resume where it left off (the core restarted). */
  restarts: number
  /** Milliseconds between the core storing the newest span and this page receiving it. */
  delayMs: number | null
  /** Changes whenever the buffer does, so that the page re-renders. */
  version: number
}

/** Spans of the core's ring that a newly opened page starts with. */
const BACKLOG = 200
/** Pause between re-renders while spans stream in, in milliseconds. */
const RENDER_INTERVAL_MS = 100
const FIRST_RETRY_MS = 1_000
const MAX_RETRY_MS = 15_000

/**
 * Follows the core's live tail. The stream reconnects with backoff and
 * resumes after the last span it received, so spans the core still keeps
 * arrive late rather than never, and spans it no longer keeps are counted
 * as missed. Renders at most every 100 ms, whatever the span rate.
 */
export function useTail(filter: TailFilter, paused: boolean): TailState {
  const { client } = useApi()
  const bufferRef = useRef<TailBuffer | null>(null)
  bufferRef.current ??= new TailBuffer(filter)
  const buffer = bufferRef.current
  const [state, setState] = useState<Omit<TailState, 'buffer'>>({
    connection: 'connecting',
    error: null,
    capacity: null,
    restarts: 0,
    delayMs: null,
    version: 0,
  })

  useEffect(() => {
    buffer.setFilter(filter)
    setState((previous) => ({ ...previous, version: previous.version + 1 }))
  }, [buffer, filter])

  useEffect(() => {
    if (paused) buffer.pause()
    else buffer.resume()
    setState((previous) => ({ ...previous, version: previous.version + 1 }))
  }, [buffer, paused])

  useEffect(() => {
    const controller = new AbortController()
    let feedId: string | null = null
    let after: number | null = null
    // Sequence numbers restart with the core; this keeps the page's order rising.
    let seqOffset = 0
    let lastSeq = 0
    let renderTimer: number | undefined
    let retryTimer: number | undefined
    let failures = 0
    const changes: Partial<Omit<TailState, 'buffer' | 'version'>> = {}

    const render = () => {
      if (renderTimer !== undefined) return
      renderTimer = window.setTimeout(() => {
        renderTimer = undefined
        setState((previous) => ({ ...previous, ...changes, version: previous.version + 1 }))
      }, RENDER_INTERVAL_MS)
    }

    const onMessage = (message: TailMessage) => {
      if (message.type === 'hello') {
        failures = 0
        if (feedId !== null && !message.resumed) {
          seqOffset = lastSeq
          changes.restarts = (changes.restarts ?? 0) + 1
        }
        feedId = message.feedId
        after = message.seq
        changes.connection = 'live'
        changes.error = null
        changes.capacity = message.capacity
      } else if (message.type === 'missed') {
        buffer.missed += message.count
        after = message.seq
      } else {
        const spans =
          seqOffset === 0
            ? message.spans
            : message.spans.map((span) => ({ ...span, seq: span.seq + seqOffset }))
        buffer.receive(spans)
        after = message.seq
        lastSeq = spans[spans.length - 1]?.seq ?? lastSeq
        const newest = spans[spans.length - 1]
        if (newest) changes.delayMs = Date.now() - newest.receivedMs
      }
      render()
    }

    const connect = () => {
      // A resumed stream continues after `after`; a new one starts with the backlog.
      const query = { feedId, after, backlog: feedId === null ? BACKLOG : 0 }
      streamTail(client, query, onMessage, controller.signal).then(
        () => retry(null),
        (error: unknown) => retry(errorMessage(error)),
      )
    }

    const retry = (error: string | null) => {
      if (controller.signal.aborted) return
      changes.connection = 'reconnecting'
      changes.error = error ?? 'the core closed the stream'
      render()
      const delay = Math.min(FIRST_RETRY_MS * 2 ** failures, MAX_RETRY_MS)
      failures++
      retryTimer = window.setTimeout(connect, delay)
    }

    connect()
    return () => {
      controller.abort()
      window.clearTimeout(renderTimer)
      window.clearTimeout(retryTimer)
    }
  }, [client, buffer])

  return { ...state, buffer }
}
