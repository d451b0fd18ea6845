// The OpenTelemetry JS SDK sends a nested trace through each of its three
// exporters; every span, attribute value and nanosecond timestamp must come
// back exactly through `loupe show --json`. The JS SDK drops byte-array
// span attributes, so bytes and full 64-bit integers are covered by the
// Python SDK test.

import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail, TraceSummary } from '../../src/shared/api'
import { cliJson, removeDir, startTestCore, type TestCore } from '../helpers/core'

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

const ROOT_ATTRIBUTES: Attributes = {
  'test.string': 'héllo wörld',
  'test.bool': true,
  'test.int': 42,
  // 2^53 + 2 is beyond 2^53, held exactly by a JS number, and printed exactly
  // by JSON.stringify (the JSON exporter sends intValue as a JSON number).
  'test.big_int': 2 ** 53 + 2,
  'test.double': 3.25,
  'test.negative': -7,
  'test.string_array': ['a', 'b', 'c'],
  'test.number_array': [1.5, 2.5],
}

/** 2026-03-02T03:00:00.123456789Z as [seconds, nanoseconds], so the nanoseconds are exact. */
const START: [number, number] = [1772420400, 123456789]

async function sendNestedTrace(exporter: SpanExporter, service: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'deployment.environment.name': 'test',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('loupe-interop', '1.2.3')
  const root = tracer.startSpan('checkout', {
    kind: SpanKind.SERVER,
    startTime: START,
    attributes: ROOT_ATTRIBUTES,
  })
  const rootContext = trace.setSpan(context.active(), root)
  const child = tracer.startSpan(
    'charge card',
    { kind: SpanKind.CLIENT, startTime: [START[0], START[1] + 1_000] },
    rootContext,
  )
  child.addEvent('retrying', { attempt: 2 }, [START[0] + 1, 5])
  const grandchild = tracer.startSpan(
    'sign request',
    { startTime: [START[0], START[1] + 2_000] },
    trace.setSpan(rootContext, child),
  )
  grandchild.end([START[0], START[1] + 3_000])
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' })
  child.end([START[0] + 2, 1])
  root.end([START[0] + 3, 999_999_999])
  await provider.forceFlush()
  await provider.shutdown()
  return root.spanContext().traceId
}

const exporters: [string, () => SpanExporter][] = [
  ['http/json', () => new JsonExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })],
  ['http/protobuf', () => new ProtoExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })],
  ['grpc', () => new GrpcExporter({ url: `http://${loupe.grpcAddress}` })],
]

describe.each(exporters)('OTel JS exporter %s', (protocol, makeExporter) => {
  let detail: TraceDetail

  beforeAll(async () => {
    const traceId = await sendNestedTrace(makeExporter(), `interop-${protocol}`)
    detail = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])
  })

  it('stores every span with its parent', () => {
    expect(detail.trace.spanCount).toBe(3)
    const byName = new Map(detail.spans.map((s) => [s.name, s]))
    const root = byName.get('checkout')!
    const child = byName.get('charge card')!
    const grandchild = byName.get('sign request')!
    expect(root.parentSpanId).toBeNull()
    expect(child.parentSpanId).toBe(root.spanId)
    expect(grandchild.parentSpanId).toBe(child.spanId)
    expect(detail.trace.rootName).toBe('checkout')
    expect(detail.trace.serviceName).toBe(`interop-${protocol}`)
  })

  it('keeps nanosecond timestamps exactly', () => {
    const byName = new Map(detail.spans.map((s) => [s.name, s]))
    expect(byName.get('checkout')!.startTimeUnixNano).toBe('1772420400123456789')
    expect(byName.get('checkout')!.endTimeUnixNano).toBe('1772420403999999999')
    expect(byName.get('charge card')!.startTimeUnixNano).toBe('1772420400123457789')
    expect(byName.get('charge card')!.endTimeUnixNano).toBe('1772420402000000001')
    expect(byName.get('checkout')!.startTime).toBe('2026-03-02T03:00:00.123Z')
    expect(byName.get('checkout')!.durationMs).toBeCloseTo(3876.54321, 5)
    const event = byName.get('charge card')!.events[0]!
    expect(event.name).toBe('retrying')
    expect(event.timeUnixNano).toBe('1772420401000000005')
    expect(event.attributes).toEqual({ attempt: 2 })
  })

  it('returns every attribute value type', () => {
    const root = detail.spans.find((s) => s.name === 'checkout')!
    expect(root.attributes['test.string']).toBe('héllo wörld')
    expect(root.attributes['test.bool']).toBe(true)
    expect(root.attributes['test.int']).toBe(42)
    expect(root.attributes['test.big_int']).toBe('9007199254740994')
    expect(root.attributes['test.double']).toBe(3.25)
    expect(root.attributes['test.negative']).toBe(-7)
    expect(root.attributes['test.string_array']).toEqual(['a', 'b', 'c'])
    expect(root.attributes['test.number_array']).toEqual([1.5, 2.5])
  })

  it('maps kind, status, resource and scope', () => {
    const byName = new Map(detail.spans.map((s) => [s.name, s]))
    expect(byName.get('checkout')!.spanKind).toBe('server')
    expect(byName.get('charge card')!.spanKind).toBe('client')
    expect(byName.get('sign request')!.spanKind).toBe('internal')
    expect(byName.get('charge card')!.status).toBe('error')
    expect(byName.get('charge card')!.statusMessage).toBe('card declined')
    expect(byName.get('checkout')!.status).toBe('unset')
    expect(detail.trace.errorCount).toBe(1)
    const root = byName.get('checkout')!
    expect(root.resource.attributes['deployment.environment.name']).toBe('test')
    expect(root.scope.name).toBe('loupe-interop')
    expect(root.scope.version).toBe('1.2.3')
  })
})

describe('traces --json', () => {
  it('lists the three traces newest first with the documented fields', async () => {
    const traces = await cliJson<TraceSummary[]>(['traces', '--json', '--data', loupe.dataDir])
    expect(traces.length).toBeGreaterThanOrEqual(3)
    for (const t of traces) {
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(typeof t.rootName).toBe('string')
      expect(t.startTimeUnixNano).toMatch(/^\d+$/)
      expect(typeof t.durationMs).toBe('number')
      expect(['unset', 'ok', 'error']).toContain(t.status)
    }
    const starts = traces.map((t) => BigInt(t.startTimeUnixNano))
    const sorted = [...starts].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
    expect(starts).toEqual(sorted)
  })
})

describe('OTel JS logs exporter', () => {
  it('stores a log record linked to its span', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'interop-logs' }),
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `${loupe.otlpHttpUrl}/v1/logs` }),
        }),
      ],
    })
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(new JsonExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      ],
    })
    const span = tracerProvider.getTracer('logs-test').startSpan('handle job')
    provider.getLogger('logs-test').emit({
      body: 'job finished',
      severityText: 'INFO',
      severityNumber: 9,
      attributes: { 'job.id': 'j-17' },
      context: trace.setSpan(context.active(), span),
    })
    span.end()
    await provider.forceFlush()
    await tracerProvider.forceFlush()
    const traceId = span.spanContext().traceId
    const logs = loupe.core.database
      .prepare('SELECT trace_id, span_id, body, severity_text FROM logs WHERE trace_id = ?')
      .all(traceId) as { trace_id: string; span_id: string; body: string; severity_text: string }[]
    expect(logs).toHaveLength(1)
    expect(logs[0]!.span_id).toBe(span.spanContext().spanId)
    expect(JSON.parse(logs[0]!.body)).toBe('job finished')
    expect(logs[0]!.severity_text).toBe('INFO')
    await provider.shutdown()
    await tracerProvider.shutdown()
  })
})
