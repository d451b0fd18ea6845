// The attribute value cap. Values up to the cap (4 MiB by default) are stored
// whole. Longer ones are cut at a character boundary and end with a marker
// that gives the bytes kept and the original size. The export response's
// partial success counts the cut values and names the cap, over OTLP/HTTP
// protobuf, OTLP/HTTP JSON and OTLP/gRPC, and each span or log record
// carries loupe.truncated_values. Everything else about the span is stored.

import { SpanKind } from '@opentelemetry/api'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_ATTRIBUTE_BYTES } from '../../src/core/otlp/truncate'
import type { SpanJson, TraceDetail } from '../../src/shared/api'
import { apiGet, asHttp, partialSuccessOf, spanNamed, type CaseResponse } from '../helpers/cases'
import { cliJson, makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { exportOverGrpc, grpcClient } from '../helpers/grpc'
import {
  encodeLogs,
  encodeSpans,
  recordLogs,
  recordSpans,
  type EncodedRequest,
} from '../helpers/otlp-bodies'
import { startServe } from '../helpers/serve'

const MIB = 1024 * 1024
const CAP = DEFAULT_MAX_ATTRIBUTE_BYTES
const MARKER = /…\[truncated by Loupe: (\d+) of (\d+) bytes\]$/

/** 1 MiB of two-byte characters: at the size the product promises to keep whole. */
const ONE_MIB_TEXT = 'é'.repeat(MIB / 2)
/** 5 MiB of ASCII. */
const LONG_DOCUMENT = 'lorem ipsum '.repeat(Math.ceil((5 * MIB) / 12)).slice(0, 5 * MIB)
/** 4-byte characters, so the cut must step back to a character start. */
const LONG_EMOJI = '🙂'.repeat(1_200_000)
/** An array whose JSON form is about 5 MiB. */
const LONG_LIST = Array.from({ length: 5 * 1024 }, (_, i) => `${i}`.padEnd(1020, '.'))
const LONG_STACKTRACE = 'at handler (/srv/app.js:1:1)\n'.repeat(200_000)
const TRUNCATED_PER_TRACE = 4

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** Builds one span with values below, at and over the cap, and an oversized event attribute. */
function oversizedTrace(service: string): { request: EncodedRequest; traceId: string } {
  const spans = recordSpans(service, (tracer) => {
    const span = tracer.startSpan('summarize document', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'input.document': LONG_DOCUMENT,
        'output.summary': ONE_MIB_TEXT,
        'output.reaction': LONG_EMOJI,
        'input.chunks': LONG_LIST,
        'request.id': 'r-42',
      },
    })
    span.addEvent('exception', {
      'exception.type': 'TimeoutError',
      'exception.stacktrace': LONG_STACKTRACE,
    })
    span.end()
  })
  return { request: encodeSpans(spans), traceId: spans[0]!.spanContext().traceId }
}

async function postTraces(body: Buffer, contentType: string): Promise<CaseResponse> {
  const response = await fetch(`${loupe.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body,
  })
  return {
    transport: 'http',
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
    elapsedMs: 0,
  }
}

/** Reads a trace through the core's API, as the UI does. */
async function storedTrace(traceId: string): Promise<TraceDetail> {
  const { status, body } = await apiGet<TraceDetail>(loupe, `/api/traces/${traceId}/full?wait=1`)
  expect(status).toBe(200)
  return body
}

/** Checks that `stored` is a cut form of `original` within the cap, and returns the kept prefix. */
function expectCut(stored: unknown, original: string, cap = CAP): string {
  expect(typeof stored).toBe('string')
  const text = stored as string
  const match = MARKER.exec(text)
  expect(match, `marker at the end of ${text.slice(-80)}`).not.toBeNull()
  const kept = text.slice(0, match!.index)
  expect(Number(match![1])).toBe(utf8Bytes(kept))
  expect(Number(match![2])).toBe(utf8Bytes(original))
  expect(utf8Bytes(text)).toBeLessThanOrEqual(cap)
  // Only a marker's worth of room is given up.
  expect(utf8Bytes(text)).toBeGreaterThan(cap - 64)
  expect(original.startsWith(kept)).toBe(true)
  // Valid UTF-8 throughout: no replacement character from a split sequence.
  expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text)
  expect(kept.includes('\ufffd')).toBe(false)
  return kept
}

function expectStoredSpan(span: SpanJson): void {
  const attributes = span.attributes
  expectCut(attributes['input.document'], LONG_DOCUMENT)
  const emoji = expectCut(attributes['output.reaction'], LONG_EMOJI)
  expect(emoji.length % 2).toBe(0)
  const list = expectCut(attributes['input.chunks'], JSON.stringify(LONG_LIST))
  expect(list.startsWith('["0...')).toBe(true)
  expect(attributes['output.summary']).toBe(ONE_MIB_TEXT)
  expect(attributes['request.id']).toBe('r-42')
  expect(attributes['gen_ai.operation.name']).toBe('chat')
  expect(attributes['loupe.truncated_values']).toBe(TRUNCATED_PER_TRACE)
  const event = span.events.find((e) => e.name === 'exception')!
  expect(event.attributes['exception.type']).toBe('TimeoutError')
  expectCut(event.attributes['exception.stacktrace'], LONG_STACKTRACE)
}

function expectTruncationReported(response: CaseResponse): void {
  const partial = partialSuccessOf(response)
  expect(partial).not.toBeNull()
  expect(partial!.rejectedSpans).toBe(0)
  expect(partial!.errorMessage).toContain(
    `${TRUNCATED_PER_TRACE} attribute values truncated to the cap of 4 MiB (${CAP} bytes)`,
  )
  expect(partial!.errorMessage).toContain('--max-attribute-mb')
}

describe('attribute value cap', () => {
  it('cuts values over 4 MiB in OTLP/HTTP protobuf', async () => {
    const { request, traceId } = oversizedTrace('limits-protobuf')
    const response = await postTraces(request.protobuf, 'application/x-protobuf')
    expect(asHttp(response).status).toBe(200)
    expectTruncationReported(response)
    const detail = await storedTrace(traceId)
    expect(detail.spans).toHaveLength(1)
    expectStoredSpan(spanNamed(detail.spans, 'summarize document'))
  })

  it('cuts values over 4 MiB in OTLP/HTTP JSON', async () => {
    const { request, traceId } = oversizedTrace('limits-json')
    const response = await postTraces(request.json, 'application/json')
    expect(asHttp(response).status).toBe(200)
    expectTruncationReported(response)
    const detail = await storedTrace(traceId)
    expectStoredSpan(spanNamed(detail.spans, 'summarize document'))
  })

  it('cuts values over 4 MiB in OTLP/gRPC', async () => {
    const { request, traceId } = oversizedTrace('limits-grpc')
    const client = grpcClient(loupe.grpcAddress)
    try {
      const result = await exportOverGrpc(client, 'traces', request.protobuf)
      expect(result.code).toBe(0)
      expectTruncationReported({
        transport: 'grpc',
        code: 0,
        details: '',
        body: result.body,
        elapsedMs: 0,
      })
    } finally {
      client.close()
    }
    const detail = await storedTrace(traceId)
    expectStoredSpan(spanNamed(detail.spans, 'summarize document'))
  })

  it('reports rejected spans and cut values together', async () => {
    const { request } = oversizedTrace('limits-rejected')
    const json = JSON.parse(request.json.toString('utf8')) as {
      resourceSpans: { scopeSpans: { spans: { traceId: string; name: string }[] }[] }[]
    }
    const spans = json.resourceSpans[0]!.scopeSpans[0]!.spans
    spans.push({ ...spans[0]!, traceId: 'not-hex', name: 'broken span' })
    const response = await postTraces(Buffer.from(JSON.stringify(json)), 'application/json')
    expect(asHttp(response).status).toBe(200)
    const partial = partialSuccessOf(response)!
    expect(partial.rejectedSpans).toBe(1)
    expect(partial.errorMessage).toContain('span "broken span": trace_id is neither')
    expect(partial.errorMessage).toContain(`${TRUNCATED_PER_TRACE} attribute values truncated`)
  })

  it('keeps values at the cap whole', async () => {
    const atCap = 'x'.repeat(CAP)
    const spans = recordSpans('limits-at-cap', (tracer) => {
      tracer.startSpan('at the cap', { attributes: { 'input.text': atCap } }).end()
    })
    const response = await postTraces(encodeSpans(spans).protobuf, 'application/x-protobuf')
    expect(asHttp(response).status).toBe(200)
    expect(partialSuccessOf(response)).toBeNull()
    const detail = await storedTrace(spans[0]!.spanContext().traceId)
    const span = spanNamed(detail.spans, 'at the cap')
    expect(span.attributes['input.text']).toBe(atCap)
    expect(span.attributes['loupe.truncated_values']).toBeUndefined()
  })

  it('cuts log bodies and log attributes', async () => {
    const records = recordLogs('limits-logs', (logger) => {
      logger.emit({
        body: LONG_DOCUMENT,
        severityText: 'INFO',
        attributes: { 'http.response.body': LONG_EMOJI, 'job.id': 'j-7' },
      })
    })
    const response = await fetch(`${loupe.otlpHttpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: encodeLogs(records).json,
    })
    expect(response.status).toBe(200)
    const reply = (await response.json()) as {
      partialSuccess?: { rejectedLogRecords?: string; errorMessage?: string }
    }
    expect(Number(reply.partialSuccess?.rejectedLogRecords ?? 0)).toBe(0)
    expect(reply.partialSuccess?.errorMessage).toContain('2 attribute values truncated')
    const row = loupe.core.database
      .prepare(
        `SELECT body, attributes FROM logs WHERE resource_id IN
           (SELECT id FROM resources WHERE service_name = 'limits-logs')`,
      )
      .get() as { body: string; attributes: string }
    expectCut(JSON.parse(row.body), LONG_DOCUMENT)
    const attributes = JSON.parse(row.attributes) as Record<string, unknown>
    expectCut(attributes['http.response.body'], LONG_EMOJI)
    expect(attributes['job.id']).toBe('j-7')
    expect(attributes['loupe.truncated_values']).toBe(2)
  })

  it('cuts values sent by the OTel JS exporter', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'limits-exporter' }),
      spanProcessors: [
        new SimpleSpanProcessor(new ProtoExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      ],
    })
    const span = provider
      .getTracer('limits')
      .startSpan('upload', { attributes: { 'file.content': LONG_DOCUMENT } })
    span.end()
    await provider.forceFlush()
    await provider.shutdown()
    const detail = await storedTrace(span.spanContext().traceId)
    const stored = spanNamed(detail.spans, 'upload')
    expectCut(stored.attributes['file.content'], LONG_DOCUMENT)
    expect(stored.attributes['loupe.truncated_values']).toBe(1)
  })
})

describe('loupe serve --max-attribute-mb', () => {
  it('cuts values at the cap it sets', async () => {
    const dataDir = makeDataDir('loupe-limits-serve-')
    const served = await startServe(dataDir, ['--max-attribute-mb', '1'])
    try {
      const spans = recordSpans('limits-flag', (tracer) => {
        tracer.startSpan('flagged', { attributes: { 'output.summary': ONE_MIB_TEXT + 'é' } }).end()
      })
      const response = await fetch(`${served.otlpHttpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: encodeSpans(spans).json,
      })
      expect(response.status).toBe(200)
      const reply = (await response.json()) as { partialSuccess?: { errorMessage?: string } }
      expect(reply.partialSuccess?.errorMessage).toContain(
        `1 attribute value truncated to the cap of 1 MiB (${MIB} bytes)`,
      )
      const traceId = spans[0]!.spanContext().traceId
      const detail = await cliJson<TraceDetail>(['show', traceId, '--json', '--data', dataDir])
      expectCut(
        spanNamed(detail.spans, 'flagged').attributes['output.summary'],
        ONE_MIB_TEXT + 'é',
        MIB,
      )
    } finally {
      expect(await served.stop(), served.output()).toBe(0)
      removeDir(dataDir)
    }
  })
})
