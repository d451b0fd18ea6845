// Bounded fuzzing of the decoders with a fixed seed: real bodies are mutated
// (byte flips, truncations, corrupted length fields, inserted bytes), and each
// decode must either return well-formed data or throw OtlpDecodeError, within
// 100 ms.

import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import {
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer'
import { describe, expect, test } from 'vitest'
import { decodeLogsJson, decodeTracesJson } from '../../../src/core/otlp/decode-json'
import {
  decodeLogsProto,
  decodeTracesProto,
  summarizeMetricsProto,
} from '../../../src/core/otlp/decode-proto'
import { OtlpDecodeError, type DecodedLogs, type DecodedTraces } from '../../../src/core/otlp/model'
import { createTestTracer, readCase, recordLogs, seededRandom } from './helpers'

/**
 * A decode that takes longer than this is treated as a hang. It is far above
 * a normal decode (well under a millisecond), so a busy shared machine does
 * not trip it; decoding speed itself is measured by `npm run bench`.
 */
const MAX_DECODE_MS = 2000

type Random = () => number

function randomInt(random: Random, below: number): number {
  return Math.floor(random() * below)
}

/** Returns a copy of `body` with one random kind of damage. */
function mutate(body: Buffer, random: Random): Buffer {
  const copy = Buffer.from(body)
  switch (randomInt(random, 5)) {
    case 0: {
      // Flip 1 to 8 random bits.
      const flips = 1 + randomInt(random, 8)
      for (let index = 0; index < flips; index++) {
        copy[randomInt(random, copy.length)]! ^= 1 << randomInt(random, 8)
      }
      return copy
    }
    case 1:
      // Truncate anywhere.
      return copy.subarray(0, randomInt(random, copy.length))
    case 2: {
      // Overwrite a byte that follows a length-delimited tag with a large or
      // small varint, which corrupts a length field most of the time.
      const candidates: number[] = []
      for (let index = 0; index < copy.length - 1; index++) {
        if ((copy[index]! & 7) === 2) candidates.push(index + 1)
      }
      const at = candidates.length > 0 ? candidates[randomInt(random, candidates.length)]! : 0
      const replacement = random() < 0.5 ? [0xff, 0xff, 0xff, 0xff, 0x0f] : [randomInt(random, 128)]
      return Buffer.concat([copy.subarray(0, at), Buffer.from(replacement), copy.subarray(at + 1)])
    }
    case 3: {
      // Insert random bytes.
      const at = randomInt(random, copy.length)
      const inserted = Buffer.from(
        Array.from({ length: 1 + randomInt(random, 6) }, () => randomInt(random, 256)),
      )
      return Buffer.concat([copy.subarray(0, at), inserted, copy.subarray(at)])
    }
    default: {
      // Repeat a slice of the body somewhere else.
      const start = randomInt(random, copy.length)
      const end = Math.min(copy.length, start + 1 + randomInt(random, 64))
      const at = randomInt(random, copy.length)
      return Buffer.concat([copy.subarray(0, at), copy.subarray(start, end), copy.subarray(at)])
    }
  }
}

/** Decodes and reports the outcome, failing on any error other than OtlpDecodeError. */
function decodeSafely<T>(decode: () => T): { result: T | null; milliseconds: number } {
  const started = performance.now()
  let result: T | null = null
  try {
    result = decode()
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) {
      throw new Error(`decoder threw ${(error as Error)?.name}: ${(error as Error)?.message}`, {
        cause: error,
      })
    }
  }
  return { result, milliseconds: performance.now() - started }
}

function checkTraces(decoded: DecodedTraces | null): void {
  if (decoded === null) return
  for (const group of decoded.groups) {
    for (const span of group.spans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(span.traceId).not.toBe('0'.repeat(32))
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/)
      if (span.parentSpanId !== null) expect(span.parentSpanId).toMatch(/^[0-9a-f]{16}$/)
      expect(typeof span.startTimeUnixNano).toBe('bigint')
    }
  }
  expect(decoded.rejectedSpans).toBeGreaterThanOrEqual(0)
}

function checkLogs(decoded: DecodedLogs | null): void {
  if (decoded === null) return
  for (const group of decoded.groups) {
    for (const record of group.records) {
      if (record.traceId !== null) expect(record.traceId).toMatch(/^[0-9a-f]{32}$/)
      if (record.spanId !== null) expect(record.spanId).toMatch(/^[0-9a-f]{16}$/)
    }
  }
}

function sdkTraceBody(): Buffer {
  const tracer = createTestTracer({ 'service.name': 'fuzz' })
  const root = tracer.startSpan('root', {
    kind: SpanKind.SERVER,
    attributes: { text: 'value', count: 3, ratio: 0.5, list: ['a', 'b'], on: true },
  })
  const child = tracer.startSpan('child', { kind: SpanKind.CLIENT }, root)
  child.addEvent('event', { detail: 'x' })
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' })
  child.end()
  root.end()
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(tracer.finishedSpans())!)
}

describe('decoder fuzzing', () => {
  test('protobuf trace decoder survives 3000 mutated bodies', () => {
    const random = seededRandom(20260301)
    const bodies = [
      sdkTraceBody(),
      readCase('c28-pydantic-v2-run.pb'),
      readCase('c33-cache-accounting.pb'),
    ]
    let slowest = 0
    let rejectedBodies = 0
    for (let iteration = 0; iteration < 3000; iteration++) {
      const body = mutate(bodies[iteration % bodies.length]!, random)
      const { result, milliseconds } = decodeSafely(() => decodeTracesProto(body))
      checkTraces(result)
      if (result === null) rejectedBodies++
      slowest = Math.max(slowest, milliseconds)
    }
    expect(slowest).toBeLessThan(MAX_DECODE_MS)
    // Most mutations must be caught, and some must still decode.
    expect(rejectedBodies).toBeGreaterThan(300)
    expect(rejectedBodies).toBeLessThan(3000)
  })

  test('protobuf logs and metrics decoders survive 1000 mutated bodies each', () => {
    const random = seededRandom(7)
    const logsBody = Buffer.from(
      ProtobufLogsSerializer.serializeRequest(
        recordLogs([
          {
            body: { message: 'hello', nested: { list: [1, 2.5, 'x'] } },
            severityNumber: SeverityNumber.INFO,
          },
          { body: 'second', attributes: { key: 'value' } },
        ]),
      )!,
    )
    let slowest = 0
    for (let iteration = 0; iteration < 1000; iteration++) {
      const body = mutate(logsBody, random)
      const logs = decodeSafely(() => decodeLogsProto(body))
      checkLogs(logs.result)
      const metrics = decodeSafely(() => summarizeMetricsProto(body))
      slowest = Math.max(slowest, logs.milliseconds, metrics.milliseconds)
    }
    expect(slowest).toBeLessThan(MAX_DECODE_MS)
  })

  test('JSON decoders survive 2000 mutated bodies', () => {
    const random = seededRandom(99)
    const tracer = createTestTracer()
    const root = tracer.startSpan('json root', { attributes: { n: 1, s: 'text', d: 0.25 } })
    tracer.startSpan('json child', {}, root).end()
    root.end()
    const texts = [
      Buffer.from(JsonTraceSerializer.serializeRequest(tracer.finishedSpans())!),
      readCase('c03-enum-forms.json'),
      readCase('c36-ai-sdk-generate-text.json'),
    ]
    let slowest = 0
    for (let iteration = 0; iteration < 2000; iteration++) {
      const text = mutate(texts[iteration % texts.length]!, random).toString('utf8')
      const traces = decodeSafely(() => decodeTracesJson(text))
      checkTraces(traces.result)
      const logs = decodeSafely(() => decodeLogsJson(text))
      slowest = Math.max(slowest, traces.milliseconds, logs.milliseconds)
    }
    expect(slowest).toBeLessThan(MAX_DECODE_MS)
  })
})
