import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { describe, expect, test } from 'vitest'
import {
  decodeLogsProto,
  decodeTracesProto,
  summarizeMetricsProto,
} from '../../../src/core/otlp/decode-proto'
import { OtlpDecodeError, type DecodedSpan, type DecodedTraces } from '../../../src/core/otlp/model'
import {
  RawProtoWriter,
  createTestTracer,
  encodeLogsRequest,
  encodeMetricsRequest,
  encodeTraceRequest,
  hexBytes,
  longBits,
  recordLogs,
} from './helpers'

const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const ROOT_ID = 'eee19b7ec3c1b174'
const CHILD_ID = 'eee19b7ec3c1b173'

function allSpans(decoded: DecodedTraces): DecodedSpan[] {
  return decoded.groups.flatMap((group) => group.spans)
}

function spanNamed(decoded: DecodedTraces, name: string): DecodedSpan {
  const span = allSpans(decoded).find((candidate) => candidate.name === name)
  if (span === undefined) throw new Error(`no span named ${name}`)
  return span
}

/** Returns a protobufjs Span object with valid ids, with `fields` overriding any of them. */
function spanObject(name: string, fields: Record<string, unknown> = {}) {
  return {
    traceId: hexBytes(TRACE_ID),
    spanId: hexBytes(CHILD_ID),
    name,
    kind: 1,
    startTimeUnixNano: longBits(1772362800000000000n, true),
    endTimeUnixNano: longBits(1772362801000000000n, true),
    ...fields,
  }
}

function traceRequest(spans: object[], resourceAttributes: object[] = []) {
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes },
        scopeSpans: [{ scope: { name: 'hand.built', version: '0.0.1' }, spans }],
      },
    ],
  }
}

/**
 * Returns the bytes of an AnyValue made of `levels` nested ArrayValues, built
 * in one pass: the lengths are computed inside out, then the headers are
 * written outside in.
 */
function deeplyNestedAnyValue(levels: number): Buffer {
  const bottom = new RawProtoWriter().string(1, 'bottom').finish()
  const varintSize = (value: number) => {
    let size = 1
    for (let remaining = value >>> 7; remaining > 0; remaining >>>= 7) size++
    return size
  }
  // arraySizes[k] is the size of the ArrayValue at level k, anyValueSizes[k] of the AnyValue around it.
  const arraySizes: number[] = [0]
  const anyValueSizes: number[] = [bottom.length]
  for (let level = 1; level <= levels; level++) {
    const inner = anyValueSizes[level - 1]!
    arraySizes.push(1 + varintSize(inner) + inner)
    anyValueSizes.push(1 + varintSize(arraySizes[level]!) + arraySizes[level]!)
  }
  const writer = new RawProtoWriter()
  for (let level = levels; level >= 1; level--) {
    writer
      .tag(5, 2)
      .varint(arraySizes[level]!)
      .tag(1, 2)
      .varint(anyValueSizes[level - 1]!)
  }
  return writer.raw(bottom).finish()
}

interface RawSpan {
  name: string
  spanId: string
  attribute?: [string, Buffer]
}

/** Writes an ExportTraceServiceRequest by hand, for AnyValues nested deeper than protobufjs allows. */
function rawTraceBody(options: { resourceAttribute?: [string, Buffer] }, spans: RawSpan[]): Buffer {
  const writeKeyValue = (writer: RawProtoWriter, [key, value]: [string, Buffer]) =>
    writer.string(1, key).lengthDelimited(2, value)
  return new RawProtoWriter()
    .message(1, (resourceSpans) => {
      const resourceAttribute = options.resourceAttribute
      if (resourceAttribute !== undefined) {
        resourceSpans.message(1, (resource) =>
          resource.message(1, (keyValue) => writeKeyValue(keyValue, resourceAttribute)),
        )
      }
      resourceSpans.message(2, (scopeSpans) => {
        for (const span of spans) {
          scopeSpans.message(2, (writer) => {
            writer
              .lengthDelimited(1, hexBytes(TRACE_ID))
              .lengthDelimited(2, hexBytes(span.spanId))
              .string(5, span.name)
            const attribute = span.attribute
            if (attribute !== undefined) {
              writer.message(9, (keyValue) => writeKeyValue(keyValue, attribute))
            }
          })
        }
      })
    })
    .finish()
}

describe('decodeTracesProto with real SDK spans', () => {
  function recordSdkSpans() {
    const tracer = createTestTracer({
      'service.name': 'checkout',
      'deployment.environment': 'test',
    })
    const root = tracer.startSpan('POST /checkout', {
      kind: SpanKind.SERVER,
      startTime: [1772362800, 123456789],
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': 201,
        'checkout.ratio': 0.25,
        'checkout.retry': false,
        'checkout.items': ['book', 'pen'],
        'checkout.counts': [1, 2, 3],
      },
    })
    const child = tracer.startSpan(
      'chat gpt-4o',
      {
        kind: SpanKind.CLIENT,
        startTime: [1772362800, 200000001],
        links: [
          {
            context: {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              traceFlags: TraceFlags.SAMPLED,
            },
            attributes: { 'link.reason': 'retry of' },
          },
        ],
      },
      root,
    )
    child.addEvent('gen_ai.choice', { index: 0, 'finish.reason': 'stop' }, [1772362800, 900000002])
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' })
    child.end([1772362801, 3])
    root.end([1772362801, 999999999])
    return { spans: tracer.finishedSpans(), root, child }
  }

  test('decodes ids, parentage, kinds and statuses', () => {
    const { spans, root, child } = recordSdkSpans()
    const decoded = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(spans)!)
    expect(decoded.rejectedSpans).toBe(0)
    expect(decoded.errors).toEqual([])
    const rootSpan = spanNamed(decoded, 'POST /checkout')
    const childSpan = spanNamed(decoded, 'chat gpt-4o')
    expect(rootSpan.traceId).toBe(root.spanContext().traceId)
    expect(rootSpan.spanId).toBe(root.spanContext().spanId)
    expect(rootSpan.parentSpanId).toBeNull()
    expect(childSpan.traceId).toBe(root.spanContext().traceId)
    expect(childSpan.spanId).toBe(child.spanContext().spanId)
    expect(childSpan.parentSpanId).toBe(root.spanContext().spanId)
    expect(rootSpan.kind).toBe(2)
    expect(childSpan.kind).toBe(3)
    expect(rootSpan.statusCode).toBe(0)
    expect(childSpan.statusCode).toBe(2)
    expect(childSpan.statusMessage).toBe('rate limited')
    expect(childSpan.flags & 0xff).toBe(TraceFlags.SAMPLED)
  })

  test('keeps nanosecond timestamps exact', () => {
    const { spans } = recordSdkSpans()
    const decoded = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(spans)!)
    const rootSpan = spanNamed(decoded, 'POST /checkout')
    const childSpan = spanNamed(decoded, 'chat gpt-4o')
    expect(rootSpan.startTimeUnixNano).toBe(1772362800123456789n)
    expect(rootSpan.endTimeUnixNano).toBe(1772362801999999999n)
    expect(childSpan.startTimeUnixNano).toBe(1772362800200000001n)
    expect(childSpan.endTimeUnixNano).toBe(1772362801000000003n)
    expect(childSpan.events[0]!.timeUnixNano).toBe(1772362800900000002n)
  })

  test('decodes attributes, events, links, resource and scope', () => {
    const { spans } = recordSdkSpans()
    const decoded = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(spans)!)
    const rootSpan = spanNamed(decoded, 'POST /checkout')
    expect({ ...rootSpan.attributes.values }).toEqual({
      'http.request.method': 'POST',
      'http.response.status_code': 201,
      'checkout.ratio': 0.25,
      'checkout.retry': false,
      'checkout.items': ['book', 'pen'],
      'checkout.counts': [1, 2, 3],
    })
    expect(rootSpan.attributes.otlpTypes).toBeNull()
    const childSpan = spanNamed(decoded, 'chat gpt-4o')
    expect(childSpan.events).toHaveLength(1)
    expect(childSpan.events[0]!.name).toBe('gen_ai.choice')
    expect({ ...childSpan.events[0]!.attributes.values }).toEqual({
      index: 0,
      'finish.reason': 'stop',
    })
    expect(childSpan.links).toHaveLength(1)
    expect(childSpan.links[0]!.traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(childSpan.links[0]!.spanId).toBe('b7ad6b7169203331')
    expect(childSpan.links[0]!.attributes.values['link.reason']).toBe('retry of')
    const group = decoded.groups[0]!
    expect(group.resource.attributes.values['service.name']).toBe('checkout')
    expect(group.resource.attributes.values['deployment.environment']).toBe('test')
    expect(group.scope.name).toBe('loupe.unit')
    expect(group.scope.version).toBe('1.2.3')
  })

  test('decodes an empty body as an empty request', () => {
    const decoded = decodeTracesProto(new Uint8Array(0))
    expect(decoded).toEqual({ groups: [], rejectedSpans: 0, errors: [] })
  })
})

describe('decodeTracesProto id validation', () => {
  test('rejects spans with invalid ids and keeps the rest', () => {
    const body = encodeTraceRequest(
      traceRequest([
        spanObject('valid root', { spanId: hexBytes(ROOT_ID) }),
        spanObject('all-zero trace id', { traceId: new Uint8Array(16) }),
        spanObject('six-byte span id', { spanId: hexBytes('41a000000004') }),
        spanObject('empty span id', { spanId: new Uint8Array(0) }),
        spanObject('short trace id', { traceId: hexBytes('00112233') }),
        spanObject('all-zero span id', { spanId: new Uint8Array(8) }),
        spanObject('valid child', { parentSpanId: hexBytes(ROOT_ID) }),
      ]),
    )
    const decoded = decodeTracesProto(body)
    expect(allSpans(decoded).map((span) => span.name)).toEqual(['valid root', 'valid child'])
    expect(decoded.rejectedSpans).toBe(5)
    expect(decoded.errors).toEqual([
      'span "all-zero trace id": trace_id is all zeros',
      'span "six-byte span id": span_id has 6 bytes, expected 8',
      'span "empty span id": span_id is empty, expected 8 bytes',
      'span "short trace id": trace_id has 4 bytes, expected 16',
      'span "all-zero span id": span_id is all zeros',
    ])
    expect(spanNamed(decoded, 'valid child').parentSpanId).toBe(ROOT_ID)
  })

  test('names both ids when both are invalid', () => {
    const body = encodeTraceRequest(
      traceRequest([
        spanObject('no ids', { traceId: new Uint8Array(0), spanId: new Uint8Array(0) }),
      ]),
    )
    const decoded = decodeTracesProto(body)
    expect(decoded.rejectedSpans).toBe(1)
    expect(decoded.errors).toEqual([
      'span "no ids": trace_id is empty, expected 16 bytes, span_id is empty, expected 8 bytes',
    ])
  })

  test('keeps a span whose parent id has the wrong length as a root', () => {
    const body = encodeTraceRequest(
      traceRequest([
        spanObject('odd parent', { parentSpanId: hexBytes('0102') }),
        spanObject('zero parent', { spanId: hexBytes(ROOT_ID), parentSpanId: new Uint8Array(8) }),
      ]),
    )
    const decoded = decodeTracesProto(body)
    expect(decoded.rejectedSpans).toBe(0)
    expect(spanNamed(decoded, 'odd parent').parentSpanId).toBeNull()
    expect(spanNamed(decoded, 'zero parent').parentSpanId).toBeNull()
    expect(decoded.errors).toEqual([
      'span "odd parent": parent_span_id has 2 bytes, expected 8, so the span is kept as a root span',
    ])
  })

  test('drops links with invalid ids and counts them', () => {
    const body = encodeTraceRequest(
      traceRequest([
        spanObject('linking', {
          links: [
            { traceId: hexBytes(TRACE_ID), spanId: hexBytes(ROOT_ID), traceState: 'vendor=abc' },
            { traceId: hexBytes('0102'), spanId: hexBytes(ROOT_ID) },
          ],
          droppedLinksCount: 2,
        }),
      ]),
    )
    const decoded = decodeTracesProto(body)
    const span = spanNamed(decoded, 'linking')
    expect(span.links).toHaveLength(1)
    expect(span.links[0]!.traceState).toBe('vendor=abc')
    expect(span.droppedLinksCount).toBe(3)
    expect(decoded.errors).toEqual([
      'span "linking": link 1 dropped because its trace_id has 2 bytes, expected 16',
    ])
  })
})

describe('decodeTracesProto enums and values', () => {
  test('keeps out-of-range kind and status code as sent', () => {
    const body = encodeTraceRequest(
      traceRequest([
        spanObject('odd kind', { kind: 9, status: { code: 7, message: 'custom' } }),
        spanObject('negative kind', { spanId: hexBytes(ROOT_ID), kind: -3 }),
      ]),
    )
    const decoded = decodeTracesProto(body)
    expect(spanNamed(decoded, 'odd kind').kind).toBe(9)
    expect(spanNamed(decoded, 'odd kind').statusCode).toBe(7)
    expect(spanNamed(decoded, 'odd kind').statusMessage).toBe('custom')
    expect(spanNamed(decoded, 'negative kind').kind).toBe(-3)
  })

  test('marks lossy values and keeps their OTLP types', () => {
    const attributes = [
      { key: 'safe.int', value: { intValue: longBits(42n) } },
      { key: 'big.int', value: { intValue: longBits(9007199254740993n) } },
      { key: 'min.int', value: { intValue: longBits(-9223372036854775808n) } },
      { key: 'integral.double', value: { doubleValue: 3 } },
      { key: 'fraction.double', value: { doubleValue: 2.5 } },
      { key: 'nan', value: { doubleValue: NaN } },
      { key: 'infinity', value: { doubleValue: -Infinity } },
      { key: 'bytes', value: { bytesValue: Uint8Array.from([0, 255, 16]) } },
      { key: 'empty', value: {} },
      { key: 'no value' },
      {
        key: 'nested',
        value: {
          kvlistValue: {
            values: [
              { key: 'label', value: { stringValue: 'x' } },
              { key: 'count', value: { doubleValue: 1 } },
            ],
          },
        },
      },
    ]
    const decoded = decodeTracesProto(
      encodeTraceRequest(traceRequest([spanObject('values', { attributes })])),
    )
    const { values, otlpTypes } = spanNamed(decoded, 'values').attributes
    expect({ ...values }).toEqual({
      'safe.int': 42,
      'big.int': '9007199254740993',
      'min.int': '-9223372036854775808',
      'integral.double': 3,
      'fraction.double': 2.5,
      nan: 'NaN',
      infinity: '-Infinity',
      bytes: { bytes: 'AP8Q' },
      empty: null,
      'no value': null,
      nested: { label: 'x', count: 1 },
    })
    expect({ ...otlpTypes }).toEqual({
      'big.int': { intValue: '9007199254740993' },
      'min.int': { intValue: '-9223372036854775808' },
      'integral.double': { doubleValue: 3 },
      nan: { doubleValue: 'NaN' },
      infinity: { doubleValue: '-Infinity' },
      bytes: { bytesValue: 'AP8Q' },
      nested: {
        kvlistValue: {
          values: [
            { key: 'label', value: { stringValue: 'x' } },
            { key: 'count', value: { doubleValue: 1 } },
          ],
        },
      },
    })
  })

  test('treats __proto__ as data and lets the last duplicate win', () => {
    const attributes = [
      { key: '__proto__', value: { stringValue: 'polluted?' } },
      { key: 'dup', value: { doubleValue: 1 } },
      { key: 'dup', value: { stringValue: 'last' } },
      {
        key: 'map',
        value: {
          kvlistValue: {
            values: [
              { key: '__proto__', value: { boolValue: true } },
              { key: 'k', value: { intValue: longBits(1n) } },
              { key: 'k', value: { intValue: longBits(2n) } },
            ],
          },
        },
      },
    ]
    const decoded = decodeTracesProto(
      encodeTraceRequest(traceRequest([spanObject('keys', { attributes })])),
    )
    const { values, otlpTypes } = spanNamed(decoded, 'keys').attributes

    expect(Object.getPrototypeOf(values)).toBeNull()
    expect(Object.keys(values)).toEqual(['__proto__', 'dup', 'map'])
    expect(values['__proto__']).toBe('polluted?')
    expect(values.dup).toBe('last')
    const map = values.map as Record<string, unknown>
    expect(Object.getPrototypeOf(map)).toBeNull()
    expect(Object.keys(map)).toEqual(['__proto__', 'k'])
    expect(map['__proto__']).toBe(true)
    expect(map.k).toBe(2)

    // The lossy double under 'dup' was replaced, so no OTLP type is kept for it.
    expect(otlpTypes).not.toBeNull()
    expect(Object.keys(otlpTypes!)).toEqual([])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('accepts 64 levels of nesting and rejects 65 in a span', () => {
    const body = rawTraceBody({}, [
      { name: 'deep enough', spanId: CHILD_ID, attribute: ['deep', deeplyNestedAnyValue(64)] },
      { name: 'too deep', spanId: ROOT_ID, attribute: ['bomb', deeplyNestedAnyValue(65)] },
    ])
    const decoded = decodeTracesProto(body)
    expect(allSpans(decoded).map((span) => span.name)).toEqual(['deep enough'])
    expect(decoded.rejectedSpans).toBe(1)
    expect(decoded.errors).toEqual([
      'span "too deep": attribute "bomb": value nests arrays or key-value lists more than 64 levels deep',
    ])
  })

  test('fails the request for a too deep resource attribute', () => {
    const body = rawTraceBody({ resourceAttribute: ['bomb', deeplyNestedAnyValue(65)] }, [
      { name: 'fine', spanId: ROOT_ID },
    ])
    expect(() => decodeTracesProto(body)).toThrow(OtlpDecodeError)
    expect(() => decodeTracesProto(body)).toThrow(/resource: attribute "bomb": value nests/)
  })

  test('does not overflow the stack on a 100000-level value', () => {
    const body = rawTraceBody({}, [
      { name: 'bomb span', spanId: ROOT_ID, attribute: ['deep', deeplyNestedAnyValue(100_000)] },
    ])
    const decoded = decodeTracesProto(body)
    expect(decoded.rejectedSpans).toBe(1)
    expect(decoded.errors[0]).toMatch(/^span "bomb span": attribute "deep": value nests/)
  })

  test('replaces invalid UTF-8 with U+FFFD', () => {
    const body = new RawProtoWriter()
      .message(1, (resourceSpans) =>
        resourceSpans.message(2, (scopeSpans) =>
          scopeSpans.message(2, (span) =>
            span
              .lengthDelimited(1, hexBytes(TRACE_ID))
              .lengthDelimited(2, hexBytes(ROOT_ID))
              .lengthDelimited(5, [0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9])
              .message(9, (keyValue) =>
                keyValue
                  .string(1, 'note')
                  .message(2, (anyValue) =>
                    anyValue.lengthDelimited(1, [0x31, 0x32, 0x20, 0xe2, 0x82]),
                  ),
              ),
          ),
        ),
      )
      .finish()
    const span = allSpans(decodeTracesProto(body))[0]!
    expect(span.name).toBe('r\ufffdsum\ufffd')
    expect(span.attributes.values.note).toBe('12 \ufffd')
  })
})

describe('decodeTracesProto wire handling', () => {
  function minimalSpan(span: RawProtoWriter): RawProtoWriter {
    return span
      .lengthDelimited(1, hexBytes(TRACE_ID))
      .lengthDelimited(2, hexBytes(ROOT_ID))
      .string(5, 'minimal')
  }

  test('skips unknown fields at every level', () => {
    const body = new RawProtoWriter()
      .string(99, 'unknown request field')
      .message(1, (resourceSpans) =>
        resourceSpans
          .fixed32(77, 1)
          .message(1, (resource) => resource.tag(3, 2).varint(0).fixed64(50, 1n))
          .message(2, (scopeSpans) =>
            scopeSpans
              .message(1, (scope) => scope.string(1, 'scope').tag(60, 0).varint(5n))
              .message(2, (span) =>
                minimalSpan(span)
                  .tag(100, 0)
                  .varint(123456789012345n)
                  .string(200, 'future field')
                  .message(15, (status) => status.tag(1, 0).varint(1).tag(3, 0).varint(2)),
              ),
          )
          .string(3, 'https://opentelemetry.io/schemas/1.26.0'),
      )
      .finish()
    const decoded = decodeTracesProto(body)
    const span = allSpans(decoded)[0]!
    expect(span.name).toBe('minimal')
    expect(span.statusCode).toBe(2)
    expect(decoded.groups[0]!.scope.name).toBe('scope')
    expect(decoded.groups[0]!.resource.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0')
  })

  test('skips a known field sent with the wrong wire type', () => {
    const body = new RawProtoWriter()
      .message(1, (resourceSpans) =>
        resourceSpans.message(2, (scopeSpans) =>
          scopeSpans.message(2, (span) =>
            // name (field 5) as a varint and kind (field 6) as a string
            minimalSpan(span).tag(5, 0).varint(7).string(6, 'SPAN_KIND_CLIENT'),
          ),
        ),
      )
      .finish()
    const span = allSpans(decodeTracesProto(body))[0]!
    expect(span.name).toBe('minimal')
    expect(span.kind).toBe(0)
  })

  test('reads fields in any order, resource after scopes', () => {
    const body = new RawProtoWriter()
      .message(1, (resourceSpans) =>
        resourceSpans
          .message(2, (scopeSpans) =>
            scopeSpans
              .message(2, (span) =>
                span
                  .string(5, 'reordered')
                  .fixed64(8, 20n)
                  .lengthDelimited(2, hexBytes(ROOT_ID))
                  .fixed64(7, 10n)
                  .lengthDelimited(1, hexBytes(TRACE_ID)),
              )
              .message(1, (scope) => scope.string(2, '9.9').string(1, 'late scope')),
          )
          .message(1, (resource) =>
            resource.message(1, (keyValue) =>
              keyValue
                .message(2, (anyValue) => anyValue.string(1, 'svc'))
                .string(1, 'service.name'),
            ),
          ),
      )
      .finish()
    const decoded = decodeTracesProto(body)
    const group = decoded.groups[0]!
    expect(group.resource.attributes.values['service.name']).toBe('svc')
    expect(group.scope.name).toBe('late scope')
    expect(group.scope.version).toBe('9.9')
    expect(group.spans[0]!.startTimeUnixNano).toBe(10n)
    expect(group.spans[0]!.endTimeUnixNano).toBe(20n)
  })

  test('throws OtlpDecodeError with the offset for a truncated body', () => {
    const body = encodeTraceRequest(traceRequest([spanObject('whole')]))
    const truncated = body.subarray(0, body.length - 5)
    expect(() => decodeTracesProto(truncated)).toThrow(OtlpDecodeError)
    expect(() => decodeTracesProto(truncated)).toThrow(/at byte \d+/)
  })

  test('throws OtlpDecodeError for a group wire type', () => {
    const body = new RawProtoWriter().tag(1, 3).tag(1, 4).finish()
    expect(() => decodeTracesProto(body)).toThrow(OtlpDecodeError)
  })
})

describe('decodeLogsProto', () => {
  test('decodes real SDK log records', () => {
    const tracer = createTestTracer()
    const span = tracer.startSpan('request')
    const records = recordLogs(
      [
        {
          eventName: 'gen_ai.client.inference.operation.details',
          timestamp: [1772362800, 123456789],
          observedTimestamp: [1772362800, 223456789],
          severityNumber: SeverityNumber.WARN,
          severityText: 'WARN',
          body: { message: 'slow reply', tokens: 12, ratio: 0.5, tags: ['a', 'b'] },
          attributes: { 'gen_ai.system': 'openai', attempt: 2 },
          context: trace.setSpan(ROOT_CONTEXT, span),
        },
        { body: 'plain text body', severityNumber: SeverityNumber.INFO },
      ],
      { 'service.name': 'logging-service' },
    )
    span.end()

    const decoded = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(records)!)
    expect(decoded.rejectedLogRecords).toBe(0)
    expect(decoded.errors).toEqual([])
    const group = decoded.groups[0]!
    expect(group.resource.attributes.values['service.name']).toBe('logging-service')
    expect(group.scope.name).toBe('loupe.unit.logs')

    const [first, second] = group.records
    expect(first!.eventName).toBe('gen_ai.client.inference.operation.details')
    expect(first!.timeUnixNano).toBe(1772362800123456789n)
    expect(first!.observedTimeUnixNano).toBe(1772362800223456789n)
    expect(first!.severityNumber).toBe(13)
    expect(first!.severityText).toBe('WARN')
    expect(first!.body.value).toEqual({
      message: 'slow reply',
      tokens: 12,
      ratio: 0.5,
      tags: ['a', 'b'],
    })
    expect(first!.body.otlp).toBeNull()
    expect({ ...first!.attributes.values }).toEqual({ 'gen_ai.system': 'openai', attempt: 2 })
    expect(first!.traceId).toBe(span.spanContext().traceId)
    expect(first!.spanId).toBe(span.spanContext().spanId)
    expect(second!.body.value).toBe('plain text body')
    expect(second!.severityNumber).toBe(9)
    expect(second!.traceId).toBeNull()
    expect(second!.spanId).toBeNull()
  })

  test('rejects records with wrong-length ids and keeps the rest', () => {
    const body = encodeLogsRequest({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'no ids' } },
                {
                  body: { stringValue: 'zero ids' },
                  traceId: new Uint8Array(16),
                  spanId: new Uint8Array(8),
                },
                {
                  body: { stringValue: 'bad trace id' },
                  traceId: hexBytes('0102'),
                  eventName: 'odd.event',
                },
                { body: { doubleValue: 2 }, spanId: hexBytes(ROOT_ID), severityNumber: 30 },
              ],
            },
          ],
        },
      ],
    })

    const decoded = decodeLogsProto(body)
    const records = decoded.groups[0]!.records
    expect(records.map((record) => record.body.value)).toEqual(['no ids', 'zero ids', 2])
    expect(records[1]!.traceId).toBeNull()
    expect(records[1]!.spanId).toBeNull()
    expect(records[2]!.traceId).toBeNull()
    expect(records[2]!.spanId).toBe(ROOT_ID)
    expect(records[2]!.severityNumber).toBe(30)
    expect(records[2]!.body.otlp).toEqual({ doubleValue: 2 })
    expect(decoded.rejectedLogRecords).toBe(1)
    expect(decoded.errors).toEqual([
      'log record at resourceLogs[0].scopeLogs[0].logRecords[2]: trace_id has 2 bytes, expected 16',
    ])
  })

  test('rejects a record whose body nests too deeply', () => {
    const body = new RawProtoWriter()
      .message(1, (resourceLogs) =>
        resourceLogs.message(2, (scopeLogs) =>
          scopeLogs
            .message(2, (record) => record.lengthDelimited(5, deeplyNestedAnyValue(65)))
            .message(2, (record) => record.message(5, (anyValue) => anyValue.string(1, 'kept'))),
        ),
      )
      .finish()
    const decoded = decodeLogsProto(body)
    expect(decoded.groups[0]!.records.map((record) => record.body.value)).toEqual(['kept'])
    expect(decoded.rejectedLogRecords).toBe(1)
    expect(decoded.errors[0]).toMatch(
      /^log record at resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]: body: value nests/,
    )
  })
})

describe('summarizeMetricsProto', () => {
  test('counts resources and reads the first service.name', () => {
    const body = encodeMetricsRequest({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'meter-one' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'requests',
                  sum: { dataPoints: [{ asInt: longBits(5n) }], isMonotonic: true },
                },
              ],
            },
          ],
        },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'meter-two' } }] },
        },
      ],
    })
    expect(summarizeMetricsProto(body)).toEqual({ resourceMetrics: 2, serviceName: 'meter-one' })
  })

  test('returns a null service name when absent', () => {
    const body = encodeMetricsRequest({ resourceMetrics: [{ scopeMetrics: [] }] })
    expect(summarizeMetricsProto(body)).toEqual({ resourceMetrics: 1, serviceName: null })
    expect(summarizeMetricsProto(new Uint8Array(0))).toEqual({
      resourceMetrics: 0,
      serviceName: null,
    })
  })

  test('throws OtlpDecodeError for a too deep service attribute', () => {
    const body = new RawProtoWriter()
      .message(1, (resourceMetrics) =>
        resourceMetrics.message(1, (resource) =>
          resource.message(1, (keyValue) =>
            keyValue.string(1, 'service.name').lengthDelimited(2, deeplyNestedAnyValue(65)),
          ),
        ),
      )
      .finish()
    expect(() => summarizeMetricsProto(body)).toThrow(OtlpDecodeError)
  })

  test('throws OtlpDecodeError for a truncated body', () => {
    const body = encodeMetricsRequest({
      resourceMetrics: [
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] } },
      ],
    })
    expect(() => summarizeMetricsProto(body.subarray(0, body.length - 2))).toThrow(OtlpDecodeError)
  })
})
