import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer'
import { describe, expect, test } from 'vitest'
import {
  decodeLogsJson,
  decodeTracesJson,
  quoteLongIntegers,
  summarizeMetricsJson,
} from '../../../src/core/otlp/decode-json'
import { decodeLogsProto, decodeTracesProto } from '../../../src/core/otlp/decode-proto'
import { OtlpDecodeError, type DecodedSpan, type DecodedTraces } from '../../../src/core/otlp/model'
import { createTestTracer, recordLogs } from './helpers'

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

/** Builds a JSON body of one resource and one scope that contains `spans`. */
function tracesBody(spans: unknown[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-test' } }] },
        scopeSpans: [{ scope: { name: 'json.scope' }, spans }],
      },
    ],
  })
}

function span(name: string, fields: Record<string, unknown> = {}) {
  return {
    traceId: TRACE_ID,
    spanId: CHILD_ID,
    name,
    kind: 1,
    startTimeUnixNano: '1772362800000000000',
    endTimeUnixNano: '1772362801000000000',
    ...fields,
  }
}

function expectDecodeError(decode: () => unknown, message: RegExp): void {
  let caught: unknown = null
  try {
    decode()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(OtlpDecodeError)
  expect((caught as Error).message).toMatch(message)
}

describe('decodeTracesJson with real SDK spans', () => {
  test('decodes the same data as the protobuf serializer sends', () => {
    const tracer = createTestTracer({ 'service.name': 'same-data' })
    const root = tracer.startSpan('agent run', {
      kind: SpanKind.INTERNAL,
      startTime: [1772362800, 1],
      attributes: { 'gen_ai.agent.name': 'helper', 'gen_ai.usage.input_tokens': 812, ratio: 0.5 },
    })
    const child = tracer.startSpan(
      'chat gpt-4o',
      { kind: SpanKind.CLIENT, attributes: { tags: ['x', 'y'], flags: [true, false] } },
      root,
    )
    child.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'hi' })
    child.setStatus({ code: SpanStatusCode.OK })
    child.end()
    root.end([1772362805, 999999999])
    const spans = tracer.finishedSpans()
    const fromJson = decodeTracesJson(
      Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8'),
    )
    const fromProtobuf = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(spans)!)
    expect(fromJson).toEqual(fromProtobuf)
    expect(spanNamed(fromJson, 'chat gpt-4o').parentSpanId).toBe(root.spanContext().spanId)
    expect(spanNamed(fromJson, 'agent run').startTimeUnixNano).toBe(1772362800000000001n)
    expect(spanNamed(fromJson, 'agent run').endTimeUnixNano).toBe(1772362805999999999n)
    expect(spanNamed(fromJson, 'chat gpt-4o').statusCode).toBe(1)
  })

  test('decodes the same log records as the protobuf serializer sends', () => {
    const tracer = createTestTracer()
    const parent = tracer.startSpan('parent')
    const records = recordLogs([
      {
        timestamp: [1772362800, 5],
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: { message: 'failed', code: 503, detail: { retry: true } },
        attributes: { 'exception.type': 'ModelHTTPError' },
        context: trace.setSpan(ROOT_CONTEXT, parent),
        eventName: 'agent.failure',
      },
    ])
    parent.end()
    const fromJson = decodeLogsJson(
      Buffer.from(JsonLogsSerializer.serializeRequest(records)!).toString('utf8'),
    )
    const fromProtobuf = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(records)!)
    expect(fromJson).toEqual(fromProtobuf)
    const record = fromJson.groups[0]!.records[0]!
    expect(record.timeUnixNano).toBe(1772362800000000005n)
    expect(record.severityNumber).toBe(17)
    expect(record.traceId).toBe(parent.spanContext().traceId)
    expect(record.body.value).toEqual({ message: 'failed', code: 503, detail: { retry: true } })
  })
})

describe('decodeTracesJson tolerances', () => {
  test('accepts snake_case field names everywhere', () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { string_value: 'snake' } }],
            dropped_attributes_count: 2,
          },
          schema_url: 'https://example.test/schema',
          scope_spans: [
            {
              scope: { name: 'snake.scope', version: '1' },
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: CHILD_ID,
                  parent_span_id: ROOT_ID,
                  trace_state: 'k=v',
                  name: 'snake span',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: '1772362800000000001',
                  end_time_unix_nano: 'BARE_END_TIME',
                  attributes: [
                    { key: 'i', value: { int_value: '7' } },
                    { key: 'd', value: { double_value: 1.5 } },
                    { key: 'b', value: { bool_value: true } },
                    { key: 'a', value: { array_value: { values: [{ string_value: 'x' }] } } },
                    {
                      key: 'm',
                      value: { kvlist_value: { values: [{ key: 'k', value: { int_value: 1 } }] } },
                    },
                    { key: 'y', value: { bytes_value: 'AQI=' } },
                  ],
                  dropped_attributes_count: 1,
                  events: [{ time_unix_nano: '5', name: 'ev', dropped_attributes_count: 3 }],
                  dropped_events_count: 4,
                  links: [{ trace_id: TRACE_ID, span_id: ROOT_ID, trace_state: 'l=1' }],
                  dropped_links_count: 6,
                  status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                },
              ],
            },
          ],
        },
      ],
    }).replace('"BARE_END_TIME"', '1772362800000000002')

    const decoded = decodeTracesJson(body)
    const result = decoded.groups[0]!
    expect(result.resource.attributes.values['service.name']).toBe('snake')
    expect(result.resource.droppedAttributesCount).toBe(2)
    expect(result.resource.schemaUrl).toBe('https://example.test/schema')

    const decodedSpan = result.spans[0]!
    expect(decodedSpan.parentSpanId).toBe(ROOT_ID)
    expect(decodedSpan.traceState).toBe('k=v')
    expect(decodedSpan.kind).toBe(2)
    expect(decodedSpan.startTimeUnixNano).toBe(1772362800000000001n)
    expect(decodedSpan.endTimeUnixNano).toBe(1772362800000000002n)
    expect({ ...decodedSpan.attributes.values }).toEqual({
      i: 7,
      d: 1.5,
      b: true,
      a: ['x'],
      m: { k: 1 },
      y: { bytes: 'AQI=' },
    })
    expect(decodedSpan.droppedAttributesCount).toBe(1)
    expect(decodedSpan.events[0]!.timeUnixNano).toBe(5n)
    expect(decodedSpan.events[0]!.droppedAttributesCount).toBe(3)
    expect(decodedSpan.droppedEventsCount).toBe(4)
    expect(decodedSpan.links[0]!.traceState).toBe('l=1')
    expect(decodedSpan.droppedLinksCount).toBe(6)
    expect(decodedSpan.statusCode).toBe(2)
    expect(decodedSpan.statusMessage).toBe('bad')
  })

  test('accepts the old instrumentationLibrary names', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          instrumentationLibrarySpans: [
            { instrumentationLibrary: { name: 'old.lib', version: '0.1' }, spans: [span('old')] },
          ],
        },
      ],
    })
    const decoded = decodeTracesJson(body)
    expect(decoded.groups[0]!.scope.name).toBe('old.lib')
    expect(decoded.groups[0]!.scope.version).toBe('0.1')
    expect(decoded.groups[0]!.spans[0]!.name).toBe('old')
  })

  test('reads ids as hex in any case or as base64', () => {
    const traceBytes = Buffer.from(TRACE_ID, 'hex')
    const body = tracesBody([
      span('upper hex', { traceId: TRACE_ID.toUpperCase(), spanId: 'EEE19B7EC3C1B174' }),
      span('standard base64', {
        traceId: traceBytes.toString('base64'),
        spanId: Buffer.from('fbffbfbffbffbfbf', 'hex').toString('base64'),
      }),
      span('url-safe base64', {
        traceId: traceBytes.toString('base64url') + '==',
        spanId: Buffer.from('fbffbfbffbffbfbf', 'hex').toString('base64url') + '=',
        parentSpanId: Buffer.from(ROOT_ID, 'hex').toString('base64'),
      }),
    ])
    const decoded = decodeTracesJson(body)
    expect(decoded.errors).toEqual([])
    expect(spanNamed(decoded, 'upper hex').traceId).toBe(TRACE_ID)
    expect(spanNamed(decoded, 'upper hex').spanId).toBe(ROOT_ID)
    expect(spanNamed(decoded, 'standard base64').traceId).toBe(TRACE_ID)
    expect(spanNamed(decoded, 'standard base64').spanId).toBe('fbffbfbffbffbfbf')
    expect(spanNamed(decoded, 'url-safe base64').spanId).toBe('fbffbfbffbffbfbf')
    expect(spanNamed(decoded, 'url-safe base64').parentSpanId).toBe(ROOT_ID)
  })

  test('reads a 32-digit id that is also valid base64 as hex', () => {
    const hexLooking = 'deadbeefdeadbeefdeadbeefdeadbeef'
    const decoded = decodeTracesJson(tracesBody([span('hex wins', { traceId: hexLooking })]))
    expect(allSpans(decoded)[0]!.traceId).toBe(hexLooking)
  })

  test('reads enums as integers or names', () => {
    const body = tracesBody([
      span('client', { kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_OK' } }),
      span('consumer', { spanId: ROOT_ID, kind: '5', status: { code: '2' } }),
      span('unknown kind', { spanId: 'eee19b7ec3c1b175', kind: 9 }),
    ])
    const decoded = decodeTracesJson(body)
    expect(spanNamed(decoded, 'client').kind).toBe(3)
    expect(spanNamed(decoded, 'client').statusCode).toBe(1)
    expect(spanNamed(decoded, 'consumer').kind).toBe(5)
    expect(spanNamed(decoded, 'consumer').statusCode).toBe(2)
    expect(spanNamed(decoded, 'unknown kind').kind).toBe(9)
  })

  test('keeps bare 64-bit integers exact', () => {
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE_ID}","spanId":"${CHILD_ID}","name":"bare",
      "startTimeUnixNano": 1772362800123456789, "endTimeUnixNano":1772362800123456791,
      "events":[{"timeUnixNano" :  1772362800123456790,"name":"e"}],
      "attributes":[
        {"key":"big","value":{"intValue":9007199254740993}},
        {"key":"negative","value":{"int_value": -9007199254740993}},
        {"key":"small","value":{"intValue":42}},
        {"key":"text","value":{"stringValue":"intValue\\": 12345678901234567890 stays text"}}
      ]}]}]}]}`
    const decoded = decodeTracesJson(body)
    const decodedSpan = allSpans(decoded)[0]!
    expect(decodedSpan.startTimeUnixNano).toBe(1772362800123456789n)
    expect(decodedSpan.endTimeUnixNano).toBe(1772362800123456791n)
    expect(decodedSpan.events[0]!.timeUnixNano).toBe(1772362800123456790n)
    expect(decodedSpan.attributes.values.big).toBe('9007199254740993')
    expect(decodedSpan.attributes.values.negative).toBe('-9007199254740993')
    expect(decodedSpan.attributes.values.small).toBe(42)
    expect(decodedSpan.attributes.values.text).toBe('intValue": 12345678901234567890 stays text')
    expect({ ...decodedSpan.attributes.otlpTypes }).toEqual({
      big: { intValue: '9007199254740993' },
      negative: { intValue: '-9007199254740993' },
    })
  })

  test('reads doubles as numbers, numeric strings and special strings', () => {
    const body = tracesBody([
      span('doubles', {
        attributes: [
          { key: 'nan', value: { doubleValue: 'NaN' } },
          { key: 'inf', value: { doubleValue: 'Infinity' } },
          { key: 'ninf', value: { doubleValue: '-Infinity' } },
          { key: 'text', value: { doubleValue: '2.5' } },
          { key: 'whole', value: { doubleValue: 3 } },
          { key: 'fraction', value: { doubleValue: 0.1 } },
        ],
      }),
    ])
    const { values, otlpTypes } = allSpans(decodeTracesJson(body))[0]!.attributes
    expect({ ...values }).toEqual({
      nan: 'NaN',
      inf: 'Infinity',
      ninf: '-Infinity',
      text: 2.5,
      whole: 3,
      fraction: 0.1,
    })
    expect({ ...otlpTypes }).toEqual({
      nan: { doubleValue: 'NaN' },
      inf: { doubleValue: 'Infinity' },
      ninf: { doubleValue: '-Infinity' },
      whole: { doubleValue: 3 },
    })
  })

  test('normalizes bytes to standard base64', () => {
    const body = tracesBody([
      span('bytes', {
        attributes: [
          { key: 'url-safe', value: { bytesValue: '-_8' } },
          {
            key: 'nested',
            value: { arrayValue: { values: [{ bytesValue: '+/8=' }, { intValue: '1' }] } },
          },
        ],
      }),
    ])
    const { values, otlpTypes } = allSpans(decodeTracesJson(body))[0]!.attributes
    expect(values['url-safe']).toEqual({ bytes: '+/8=' })
    expect(values.nested).toEqual([{ bytes: '+/8=' }, 1])
    expect({ ...otlpTypes }).toEqual({
      'url-safe': { bytesValue: '+/8=' },
      nested: { arrayValue: { values: [{ bytesValue: '+/8=' }, { intValue: '1' }] } },
    })
  })

  test('ignores unknown fields and treats null as absent', () => {
    const body = tracesBody([
      span('extras', {
        futureField: { anything: [1, 2] },
        traceState: null,
        attributes: [
          { key: 'k', value: { stringValue: 'v', unknownValue: 3 } },
          { key: 'n', value: null },
        ],
        status: null,
      }),
    ])
    const decodedSpan = allSpans(decodeTracesJson(body))[0]!
    expect(decodedSpan.traceState).toBe('')
    expect({ ...decodedSpan.attributes.values }).toEqual({ k: 'v', n: null })
    expect(decodedSpan.statusCode).toBe(0)
  })

  test('accepts a body that starts with a byte order mark', () => {
    const decoded = decodeTracesJson(`\ufeff${tracesBody([span('bom')])}`)
    expect(allSpans(decoded)[0]!.name).toBe('bom')
  })
})

describe('decodeTracesJson errors', () => {
  test('rejects text that is not JSON, with the parser message', () => {
    expectDecodeError(() => decodeTracesJson('{"resourceSpans": ['), /^invalid JSON: .+/)
    expectDecodeError(() => decodeTracesJson(''), /^invalid JSON: /)
  })

  test('rejects a top level that is not an object', () => {
    expectDecodeError(() => decodeTracesJson('[]'), /top level must be an object, got an array/)
    expectDecodeError(() => decodeTracesJson('null'), /top level must be an object, got null/)
    expectDecodeError(() => decodeTracesJson('"text"'), /top level must be an object/)
  })

  test('rejects malformed structure above the spans', () => {
    expectDecodeError(
      () => decodeTracesJson('{"resourceSpans": {"spans": []}}'),
      /resourceSpans must be an array, got an object/,
    )
    expectDecodeError(
      () => decodeTracesJson('{"resourceSpans": [5]}'),
      /resourceSpans\[0\] must be an object, got number 5/,
    )
    expectDecodeError(
      () => decodeTracesJson('{"resourceSpans": [{"scopeSpans": "none"}]}'),
      /resourceSpans\[0\]\.scopeSpans must be an array/,
    )
    expectDecodeError(
      () => decodeTracesJson('{"resourceSpans": [{"resource": {"attributes": {}}}]}'),
      /resourceSpans\[0\]\.resource: attributes must be an array, got an object/,
    )
    expectDecodeError(
      () => decodeTracesJson('{"resourceSpans": [{"scopeSpans": [{"scope": {"name": 1}}]}]}'),
      /resourceSpans\[0\]\.scopeSpans\[0\]\.scope: name must be a string, got number 1/,
    )
  })

  test('rejects only the span with a field of the wrong type', () => {
    const body = tracesBody([
      span('good'),
      span('object name', { spanId: ROOT_ID, name: { text: 'x' } }),
      'not a span',
      span('bad int', { attributes: [{ key: 'n', value: { intValue: 'twelve' } }] }),
      span('huge int', { attributes: [{ key: 'n', value: { intValue: '9223372036854775808' } }] }),
      span('string as number', { attributes: [{ key: 's', value: { stringValue: 5 } }] }),
      span('bad kind', { kind: 'SPAN_KIND_SIDEWAYS' }),
      span('fraction kind', { kind: 1.5 }),
      span('bad time', { startTimeUnixNano: '-5' }),
      span('bad status', { status: 'ERROR' }),
      span('bad events', { events: {} }),
    ])
    const decoded = decodeTracesJson(body)
    expect(allSpans(decoded).map((decodedSpan) => decodedSpan.name)).toEqual(['good'])
    expect(decoded.rejectedSpans).toBe(10)
    expect(decoded.errors).toEqual([
      'span at resourceSpans[0].scopeSpans[0].spans[1]: name must be a string, got an object',
      'resourceSpans[0].scopeSpans[0].spans[2] must be an object, got the string "not a span"',
      'span "bad int": attribute "n": intValue must be an integer or a decimal string, got "twelve"',
      'span "huge int": attribute "n": intValue 9223372036854775808 is outside the int64 range',
      'span "string as number": attribute "s": stringValue must be a string, got number 5',
      'span "bad kind": kind must be an integer or one of SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, ' +
        'SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER, got "SPAN_KIND_SIDEWAYS"',
      'span "fraction kind": kind must be an integer, got 1.5',
      'span "bad time": start_time_unix_nano must be between 0 and 18446744073709551615, got -5',
      'span "bad status": status must be an object, got the string "ERROR"',
      'span "bad events": events must be an array, got an object',
    ])
  })

  test('rejects the spans of a scope whose spans are not an array', () => {
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: { name: 'lonely' } }, { spans: [span('kept')] }] }],
    })
    const decoded = decodeTracesJson(body)
    expect(allSpans(decoded).map((decodedSpan) => decodedSpan.name)).toEqual(['kept'])
    expect(decoded.rejectedSpans).toBe(1)
    expect(decoded.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans must be an array, got an object',
    ])
  })

  test('rejects spans with invalid ids and warns about a bad parent', () => {
    const body = tracesBody([
      span('valid'),
      span('not hex', { spanId: ROOT_ID, traceId: 'zz'.repeat(16) }),
      span('numeric id', { spanId: 12345 }),
      span('bad parent', { spanId: 'eee19b7ec3c1b175', parentSpanId: 'abcd' }),
      span('zero parent', { spanId: 'eee19b7ec3c1b176', parentSpanId: '0000000000000000' }),
      span('numeric parent', { spanId: 'eee19b7ec3c1b177', parentSpanId: 5 }),
    ])
    const decoded = decodeTracesJson(body)
    expect(allSpans(decoded).map((decodedSpan) => decodedSpan.name)).toEqual([
      'valid',
      'bad parent',
      'zero parent',
      'numeric parent',
    ])
    expect(spanNamed(decoded, 'bad parent').parentSpanId).toBeNull()
    expect(spanNamed(decoded, 'zero parent').parentSpanId).toBeNull()
    expect(decoded.rejectedSpans).toBe(2)
    expect(decoded.errors).toEqual([
      'span "not hex": trace_id is neither 32 hex digits nor 24 base64 characters: ' +
        '"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" (32 characters)',
      'span "numeric id": span_id must be a string, got number 12345',
      'span "bad parent": parent_span_id has 2 bytes, expected 8, so the span is kept as a root span',
      'span "numeric parent": parent_span_id must be a string, got number 5, so the span is kept as a root span',
    ])
  })

  test('rejects a value nested more than 64 levels deep', () => {
    let value: object = { stringValue: 'bottom' }
    for (let level = 0; level < 65; level++) value = { arrayValue: { values: [value] } }
    const decoded = decodeTracesJson(
      tracesBody([
        span('bomb', { attributes: [{ key: 'deep', value }] }),
        span('ok', { spanId: ROOT_ID }),
      ]),
    )
    expect(allSpans(decoded).map((decodedSpan) => decodedSpan.name)).toEqual(['ok'])
    expect(decoded.errors).toEqual([
      'span "bomb": attribute "deep": value nests arrays or key-value lists more than 64 levels deep',
    ])
  })
})

test('rejects a 100000-level value without overflowing the stack', () => {
  const depth = 100_000
  const value =
    '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"x"}' + ']}}'.repeat(depth)
  const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE_ID}","spanId":"${ROOT_ID}","name":"deep","attributes":[{"key":"k","value":${value}}]}]}]}]}`
  const decoded = decodeTracesJson(body)
  expect(decoded.rejectedSpans).toBe(1)
  expect(decoded.errors[0]).toMatch(/^span "deep": attribute "k": value nests/)
})

describe('decodeLogsJson', () => {
  test('decodes records with names, ids and bodies in every form', () => {
    const body = JSON.stringify({
      resource_logs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'logs' } }] },
          scope_logs: [
            {
              scope: { name: 'log.scope' },
              log_records: [
                {
                  time_unix_nano: 'BARE_TIME',
                  observedTimeUnixNano: '1772362800000000002',
                  severity_number: 'SEVERITY_NUMBER_WARN2',
                  severityText: 'WARN',
                  body: {
                    kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'slow' } }] },
                  },
                  attributes: [{ key: 'attempt', value: { intValue: 3 } }],
                  traceId: Buffer.from(TRACE_ID, 'hex').toString('base64'),
                  spanId: ROOT_ID.toUpperCase(),
                  flags: 1,
                  eventName: 'agent.slow',
                },
                { body: { doubleValue: 'NaN' }, traceId: '0'.repeat(32), spanId: '' },
                { body: { stringValue: 'bad id' }, traceId: 'abcd' },
                { severityNumber: 'SEVERITY_NUMBER_LOUD' },
              ],
            },
          ],
        },
      ],
    }).replace('"BARE_TIME"', '1772362800000000001')

    const decoded = decodeLogsJson(body)
    const [first, second] = decoded.groups[0]!.records
    expect(decoded.groups[0]!.records).toHaveLength(2)
    expect(first!.timeUnixNano).toBe(1772362800000000001n)
    expect(first!.observedTimeUnixNano).toBe(1772362800000000002n)
    expect(first!.severityNumber).toBe(14)
    expect(first!.body.value).toEqual({ msg: 'slow' })
    expect(first!.attributes.values.attempt).toBe(3)
    expect(first!.traceId).toBe(TRACE_ID)
    expect(first!.spanId).toBe(ROOT_ID)
    expect(first!.flags).toBe(1)
    expect(first!.eventName).toBe('agent.slow')

    expect(second!.body).toEqual({ value: 'NaN', otlp: { doubleValue: 'NaN' } })
    expect(second!.traceId).toBeNull()
    expect(second!.spanId).toBeNull()
    expect(decoded.rejectedLogRecords).toBe(2)
    expect(decoded.errors).toEqual([
      'log record at resourceLogs[0].scopeLogs[0].logRecords[2]: trace_id has 2 bytes, expected 16',
      expect.stringMatching(
        /^log record at resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[3\]: severity_number must be an integer or one of SEVERITY_NUMBER_UNSPECIFIED, .*SEVERITY_NUMBER_FATAL4, got "SEVERITY_NUMBER_LOUD"$/,
      ),
    ])
  })

  test('maps every severity name to its number', () => {
    const names = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']
    const records = names.flatMap((level) =>
      ['', '2', '3', '4'].map((suffix) => ({
        severityNumber: `SEVERITY_NUMBER_${level}${suffix}`,
      })),
    )
    const body = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] })
    const decoded = decodeLogsJson(body)
    expect(decoded.groups[0]!.records.map((record) => record.severityNumber)).toEqual(
      Array.from({ length: 24 }, (_, index) => index + 1),
    )
  })
})

describe('summarizeMetricsJson', () => {
  test('counts resources and reads the first service.name', () => {
    const body = JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'meter' } }] },
          scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asDouble: 1 }] } }] }],
        },
        { resource: {} },
      ],
    })
    expect(summarizeMetricsJson(body)).toEqual({ resourceMetrics: 2, serviceName: 'meter' })
    expect(summarizeMetricsJson('{}')).toEqual({ resourceMetrics: 0, serviceName: null })
  })

  test('rejects malformed metrics bodies', () => {
    expectDecodeError(() => summarizeMetricsJson('{"resourceMetrics": 3}'), /must be an array/)
    expectDecodeError(() => summarizeMetricsJson('not json'), /^invalid JSON/)
  })
})

describe('quoteLongIntegers', () => {
  test('quotes long integers after int64 keys only', () => {
    const text =
      '{"intValue":12345678901234567,"int_value" : -12345678901234567,' +
      '"startTimeUnixNano":1772362800123456789,"observed_time_unix_nano":\n1772362800123456789,' +
      '"doubleValue":12345678901234567,"intValue":123456789012345,"intValue":"12345678901234567"}'
    expect(quoteLongIntegers(text)).toBe(
      '{"intValue":"12345678901234567","int_value" : "-12345678901234567",' +
        '"startTimeUnixNano":"1772362800123456789","observed_time_unix_nano":\n"1772362800123456789",' +
        '"doubleValue":12345678901234567,"intValue":123456789012345,"intValue":"12345678901234567"}',
    )
  })

  test('leaves numbers with a fraction or exponent alone', () => {
    const text = '{"intValue":12345678901234567.5,"timeUnixNano":12345678901234567e3}'
    expect(quoteLongIntegers(text)).toBe(text)
  })

  test('leaves text inside strings alone', () => {
    const text = JSON.stringify({ stringValue: '{"intValue": 12345678901234567890}' })
    expect(quoteLongIntegers(text)).toBe(text)
  })
})
