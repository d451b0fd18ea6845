// The contract between the model gateway (provider API modules) and the rest
// of the core: how the gateway finds the run a request belongs to, and what
// it reports about each call.

import type { DecodedTraces } from '../otlp/model'
import type { Responder } from './answer'
import type { ModelCall } from './conversation'
import type { Upstreams } from './upstream'

export type GatewayMode = 'mock' | 'record' | 'live' | 'replay'

/** A run that may call the gateway, as `loupe run` and the playground create it. */
export interface GatewayRun {
  id: string
  /** The per-run key the agent gets as OPENAI_API_KEY / ANTHROPIC_API_KEY. */
  key: string
  mode: GatewayMode
  /** Seed of the automatic mock, so a run answers the same way every time. */
  seed: number
  /** Responder for the run's calls: the automatic mock, or the run's scenario. */
  respond: Responder
  /** Upstreams of a record run's calls, with their keys, held in memory only. */
  upstreams: Upstreams
  /** For a replay that goes live after it ends: true when this call goes to the real provider. */
  goesLive?: (call: ModelCall | null) => boolean
  /** The run's root span: gateway calls without a traceparent hang under it. */
  traceId: string
  rootSpanId: string
}

export interface GatewayContext {
  /** The live run whose key this is, or null. */
  runByKey(key: string): GatewayRun | null
  /** Store spans the gateway emits (one per call), through the normal writer. */
  writeSpans(traces: DecodedTraces): Promise<void>
  /** Store the recording of a forwarded call. */
  storeExchange(exchange: ExchangeRecord): void
  /** True while a record run is live, so a call with an unknown key is likely its agent's own key. */
  recordRunLive?(): boolean
}

/** A forwarded call as recorded: the bytes each way, without keys, and the timings. */
export interface ExchangeRecord {
  runId: string
  traceId: string
  spanId: string
  mode: GatewayMode
  provider: 'openai' | 'anthropic'
  api: string
  method: string
  path: string
  upstreamUrl: string
  requestHeaders: Record<string, string>
  requestBody: Buffer
  /** Null when no response arrived. */
  status: number | null
  responseHeaders: Record<string, string> | null
  responseBody: Buffer
  /** [milliseconds since the call started, bytes] per chunk received. */
  chunkTimings: [number, number][]
  startedUnixMs: number
  firstByteMs: number | null
  durationMs: number
  failure: string | null
}
