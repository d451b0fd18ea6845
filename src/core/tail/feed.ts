// The live tail's feed: every span the writer stores gets the next sequence
// number and goes into a ring of the last `capacity` spans, kept as JSON.
// Each open stream has a cursor into that ring. Memory stays bounded: a
// stream whose socket is backed up gets nothing more until it drains, and a
// stream that fell further behind than the ring reaches gets a message with
// the number of spans it missed, then continues from the oldest span kept.

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { TailMessage, TailSpan } from '../../shared/tail'
import { nsToIso, spanKindName, statusName } from '../store/queries'
import type { StoredSpan } from '../store/writer'
import { toTailSpan } from './tail-span'

export interface TailFeedOptions {
  log: Logger
  /** Spans kept for streams that fall behind or reconnect (10,000 by default). */
  capacity?: number
  /** Pause between sends to the open streams, in milliseconds (50 by default). */
  intervalMs?: number
  /**
   * How long the feed keeps filling its ring after the last stream closed,
   * in milliseconds (60 s by default), so that a reconnecting page catches
   * up. After that, spans are only counted until a stream opens again.
   */
  idleKeepMs?: number
}

export interface TailStreamParams {
  /** The feed id of the client's last `hello`, to resume that feed. */
  feedId: string | null
  /** The last sequence number the client received. */
  after: number | null
  /** How many of the spans already kept a new stream starts with. */
  backlog: number
}

/** Spans per `spans` message, so that one message stays a few hundred kilobytes. */
const MAX_BATCH = 500
/** Bytes a stream's socket may hold unsent before the feed waits for it to drain. */
const MAX_BUFFERED_BYTES = 1024 * 1024
const KEEP_ALIVE_MS = 15_000
/** Open streams at most, so that their socket buffers stay bounded too. */
export const MAX_TAIL_STREAMS = 32

interface TailStream {
  response: ServerResponse
  /** The last sequence number sent on this stream. */
  cursor: number
  waitingForDrain: boolean
}

export class TailFeed {
  /** Changes on every start, so that a client can tell a restarted core from the one it followed. */
  readonly id = randomUUID()
  readonly capacity: number
  private readonly ring: (string | undefined)[]
  /** The last sequence number given out; 0 before the first span. */
  private head = 0
  /** The oldest sequence number still in the ring; head + 1 when none is. */
  private oldest = 1
  private readonly streams = new Set<TailStream>()
  private lastStreamClosedMs = Number.NEGATIVE_INFINITY
  private sendTimer: NodeJS.Timeout | null = null
  private failedConversions = 0
  private readonly log: Logger
  private readonly intervalMs: number
  private readonly idleKeepMs: number

  constructor(options: TailFeedOptions) {
    this.log = options.log
    this.capacity = options.capacity ?? 10_000
    this.intervalMs = options.intervalMs ?? 50
    this.idleKeepMs = options.idleKeepMs ?? 60_000
    this.ring = new Array<string | undefined>(this.capacity)
  }

  /** Numbers the spans of one commit and schedules a send to the open streams. */
  add(spans: StoredSpan[]): void {
    if (!this.keeping()) {
      this.head += spans.length
      this.oldest = this.head + 1
      return
    }
    for (const stored of spans) {
      this.head++
      this.ring[this.head % this.capacity] = JSON.stringify(this.convert(stored, this.head))
    }
    this.oldest = Math.max(this.oldest, this.head - this.capacity + 1)
    if (this.streams.size > 0 && this.sendTimer === null) {
      this.sendTimer = setTimeout(() => this.sendAll(), this.intervalMs)
    }
  }

  /**
   * Opens the server-sent events stream of `GET /api/tail`, which stays open
   * until the client closes it. Returns false, without writing a response,
   * when MAX_TAIL_STREAMS are open already.
   */
  open(request: IncomingMessage, response: ServerResponse, params: TailStreamParams): boolean {
    if (this.streams.size >= MAX_TAIL_STREAMS) return false
    const resumed =
      params.feedId === this.id &&
      params.after !== null &&
      params.after <= this.head &&
      params.after >= 0
    const backlog = Math.min(Math.max(params.backlog, 0), this.capacity)
    const stream: TailStream = {
      response,
      cursor: resumed ? params.after! : Math.max(this.oldest - 1, this.head - backlog),
      waitingForDrain: false,
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    this.write(stream, {
      type: 'hello',
      feedId: this.id,
      seq: this.head,
      capacity: this.capacity,
      resumed,
    })
    this.streams.add(stream)
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS)
    request.on('close', () => {
      clearInterval(keepAlive)
      this.streams.delete(stream)
      if (this.streams.size === 0) this.lastStreamClosedMs = Date.now()
    })
    this.send(stream)
    return true
  }

  close(): void {
    if (this.sendTimer) clearTimeout(this.sendTimer)
    this.sendTimer = null
    for (const stream of this.streams) stream.response.end()
    this.streams.clear()
  }

  /** True while a stream is open or closed less than idleKeepMs ago. */
  private keeping(): boolean {
    return this.streams.size > 0 || Date.now() - this.lastStreamClosedMs < this.idleKeepMs
  }

  private sendAll(): void {
    this.sendTimer = null
    for (const stream of this.streams) this.send(stream)
  }

  /** Sends a stream what it has not had yet, until it is up to date or its socket is full. */
  private send(stream: TailStream): void {
    const { response } = stream
    while (stream.cursor < this.head && !stream.waitingForDrain) {
      if (response.destroyed || response.writableEnded) return
      if (response.writableLength >= MAX_BUFFERED_BYTES) {
        this.waitForDrain(stream)
        return
      }
      if (stream.cursor < this.oldest - 1) {
        const count = this.oldest - 1 - stream.cursor
        stream.cursor = this.oldest - 1
        this.write(stream, { type: 'missed', seq: stream.cursor, count })
        continue
      }
      const last = Math.min(this.head, stream.cursor + MAX_BATCH)
      const spans: string[] = []
      for (let seq = stream.cursor + 1; seq <= last; seq++) {
        spans.push(this.ring[seq % this.capacity]!)
      }
      stream.cursor = last
      const flushed = response.write(
        `data: {"type":"spans","seq":${last},"spans":[${spans.join(',')}]}\n\n`,
      )
      if (!flushed) this.waitForDrain(stream)
    }
  }

  private waitForDrain(stream: TailStream): void {
    if (stream.waitingForDrain) return
    stream.waitingForDrain = true
    stream.response.once('drain', () => {
      stream.waitingForDrain = false
      if (this.streams.has(stream)) this.send(stream)
    })
  }

  private write(stream: TailStream, message: TailMessage): void {
    stream.response.write(`data: ${JSON.stringify(message)}\n\n`)
  }

  /** Converts a span. When reading its GenAI fields throws, returns its raw fields only. */
  private convert(stored: StoredSpan, seq: number): TailSpan {
    try {
      return toTailSpan(stored, seq)
    } catch (error) {
      this.failedConversions++
      if (this.failedConversions === 1 || this.failedConversions % 1000 === 0) {
        this.log.warn(
          { err: error, traceId: stored.span.traceId, spanId: stored.span.spanId },
          `live tail could not read ${this.failedConversions} span(s); they show without GenAI fields`,
        )
      }
      return rawTailSpan(stored, seq)
    }
  }
}

function rawTailSpan(stored: StoredSpan, seq: number): TailSpan {
  const { span } = stored
  const service = stored.resource.attributes.values['service.name']
  return {
    seq,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    title: span.name,
    serviceName: typeof service === 'string' ? service : null,
    spanKind: spanKindName(span.kind),
    kind: 'other',
    status: statusName(span.statusCode),
    startTime: nsToIso(span.startTimeUnixNano),
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    durationMs: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
    agentName: null,
    model: null,
    toolName: null,
    errorClass: 'none',
    receivedMs: stored.receivedMs,
  }
}
