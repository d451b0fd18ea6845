// Synthetic OTLP requests for the benchmarks, built with the real
// OpenTelemetry SDK and serializers so the bytes are what exporters send.
// Two span profiles: GenAI agent runs (message attributes of 2-20 KB, about
// 6.5 KB of protobuf per span) and small APM spans (about 0.5 KB).

import { SpanKind, trace, ROOT_CONTEXT } from '@opentelemetry/api'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'

export type Profile = 'genai' | 'apm'

export const SPANS_PER_TRACE = 32

/** A deterministic pseudo-random generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = [
  'the',
  'parcel',
  'weather',
  'forecast',
  'order',
  'refund',
  'tool',
  'answer',
  'customer',
  'shipping',
]

function conversation(size: number, random: () => number): string {
  const messages: object[] = []
  let length = 0
  while (length < size) {
    let text = ''
    while (text.length < 300) text += `${WORDS[Math.floor(random() * WORDS.length)]} `
    const message = {
      role: messages.length % 2 ? 'assistant' : 'user',
      parts: [{ type: 'text', content: text }],
    }
    messages.push(message)
    length += text.length + 40
  }
  return JSON.stringify(messages)
}

function genaiAttributes(index: number, random: () => number): Record<string, string | number> {
  if (index % SPANS_PER_TRACE === 0) {
    return { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support_agent' }
  }
  if (index % 3 === 0) {
    return {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': `call_${index}`,
      'gen_ai.tool.call.arguments': JSON.stringify({ order_id: String(1000 + index) }),
      'gen_ai.tool.call.result': conversation(600, random),
    }
  }
  // Message attributes of 2 to 20 KB, skewed to the small end like real runs.
  const size = 2000 + Math.floor(random() ** 2 * 18000)
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 400 + Math.floor(random() * 4000),
    'gen_ai.usage.output_tokens': 20 + Math.floor(random() * 400),
    'gen_ai.input.messages': conversation(size, random),
    'gen_ai.output.messages': conversation(600, random),
  }
}

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'okhttp/4.12.0',
]

/**
 * Attributes of an HTTP server span as the OpenTelemetry HTTP
 * instrumentations record them (semantic conventions 1.26 names), about
 * 0.5 KB of protobuf per span with the span's ids, name and times.
 */
function apmAttributes(index: number, random: () => number): Record<string, string | number> {
  const status = random() < 0.02 ? 500 : 200
  return {
    'http.request.method': 'GET',
    'http.route': '/orders/{id}',
    'url.scheme': 'https',
    'url.path': `/orders/${index}`,
    'http.response.status_code': status,
    'http.response.body.size': 200 + Math.floor(random() * 4000),
    'server.address': 'orders.internal',
    'server.port': 8443,
    'client.address': `10.20.${index % 256}.${Math.floor(random() * 256)}`,
    'user_agent.original': USER_AGENTS[index % USER_AGENTS.length]!,
    'http.request.header.x-request-id': [
      Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
      Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ].join('-'),
  }
}

/** Build `spanCount` finished spans in traces of 32, with real SDK spans. */
export function buildSpans(profile: Profile, spanCount: number, seed = 1): ReadableSpan[] {
  const random = seededRandom(seed)
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': `bench-${profile}`,
      'service.version': '1.0.0',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer(profile === 'genai' ? 'pydantic-ai' : 'bench-http', '1.0.0')
  let root = tracer.startSpan('root')
  const start = Date.now()
  for (let i = 0; i < spanCount; i++) {
    const isRoot = i % SPANS_PER_TRACE === 0
    if (isRoot && i > 0) root.end()
    const attributes = profile === 'genai' ? genaiAttributes(i, random) : apmAttributes(i, random)
    const name = isRoot
      ? 'invoke_agent support_agent'
      : profile === 'genai'
        ? `span ${i % 3 ? 'chat' : 'tool'}`
        : 'GET /orders/{id}'
    const startTime = start + i
    if (isRoot) {
      root = tracer.startSpan(name, { attributes, startTime, kind: SpanKind.SERVER })
      continue
    }
    const span = tracer.startSpan(
      name,
      { attributes, startTime, kind: SpanKind.CLIENT },
      trace.setSpan(ROOT_CONTEXT, root),
    )
    span.end(startTime + 5)
  }
  root.end()
  return exporter.getFinishedSpans()
}

export interface RequestBodies {
  protobuf: Buffer
  json: Buffer
  spans: number
  /** Byte offsets of every trace id in `protobuf`, to make each send's ids unique. */
  traceIdOffsets: number[]
}

export function buildRequest(profile: Profile, spanCount: number, seed = 1): RequestBodies {
  const spans = buildSpans(profile, spanCount, seed)
  const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)
  const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!)
  const traceIds = new Set(spans.map((s) => s.spanContext().traceId))
  const traceIdOffsets: number[] = []
  for (const id of traceIds) {
    const needle = Buffer.from(id, 'hex')
    for (let at = protobuf.indexOf(needle); at >= 0; at = protobuf.indexOf(needle, at + 1))
      traceIdOffsets.push(at)
  }
  return { protobuf, json, spans: spans.length, traceIdOffsets }
}

/**
 * Give the request's traces new ids (a counter in the first four bytes of
 * each trace id), so that a re-sent body stores new spans instead of
 * duplicates.
 */
export function renumberTraces(bodies: RequestBodies, sequence: number): Buffer {
  const copy = Buffer.from(bodies.protobuf)
  for (const offset of bodies.traceIdOffsets) copy.writeUInt32BE(sequence >>> 0, offset)
  return copy
}

/** Renumber the traces of the OTLP/JSON body, where ids are hex text. */
export function renumberJson(json: string, sequence: number): string {
  const prefix = (sequence >>> 0).toString(16).padStart(8, '0')
  return json.replace(/"traceId":"[0-9a-f]{8}/g, `"traceId":"${prefix}`)
}
