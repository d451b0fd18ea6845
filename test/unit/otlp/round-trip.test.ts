// Export turns stored attributes back into OTLP/JSON with toOtlpJsonKeyValues.
// These tests decode real bodies, rebuild an OTLP/JSON request from the
// decoded data the way export does, decode that again and expect identical
// results, so no attribute value or type is lost on the way.

import { gunzipSync } from 'node:zlib'
import { SpanKind } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { describe, expect, test } from 'vitest'
import { toOtlpJsonAnyValue, toOtlpJsonKeyValues } from '../../../src/core/otlp/attributes'
import { decodeLogsJson, decodeTracesJson } from '../../../src/core/otlp/decode-json'
import { decodeLogsProto, decodeTracesProto } from '../../../src/core/otlp/decode-proto'
import type {
  Attributes,
  DecodedLogs,
  DecodedResource,
  DecodedScope,
  DecodedTraces,
} from '../../../src/core/otlp/model'
import {
  createTestTracer,
  encodeLogsRequest,
  encodeTraceRequest,
  hexBytes,
  longBits,
  readCase,
} from './helpers'

function keyValues(attributes: Attributes) {
  return toOtlpJsonKeyValues(attributes.values, attributes.otlpTypes)
}

function resourceJson(resource: DecodedResource) {
  return {
    attributes: keyValues(resource.attributes),
    droppedAttributesCount: resource.droppedAttributesCount,
  }
}

function scopeJson(scope: DecodedScope) {
  return {
    name: scope.name,
    version: scope.version,
    attributes: keyValues(scope.attributes),
    droppedAttributesCount: scope.droppedAttributesCount,
  }
}

/** Builds the OTLP/JSON text of decoded traces, one ResourceSpans per group. */
function tracesToOtlpJson(decoded: DecodedTraces): string {
  return JSON.stringify({
    resourceSpans: decoded.groups.map((group) => ({
      resource: resourceJson(group.resource),
      schemaUrl: group.resource.schemaUrl,
      scopeSpans: [
        {
          scope: scopeJson(group.scope),
          schemaUrl: group.scope.schemaUrl,
          spans: group.spans.map((span) => ({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            traceState: span.traceState,
            flags: span.flags,
            name: span.name,
            kind: span.kind,
            startTimeUnixNano: span.startTimeUnixNano.toString(),
            endTimeUnixNano: span.endTimeUnixNano.toString(),
            attributes: keyValues(span.attributes),
            droppedAttributesCount: span.droppedAttributesCount,
            events: span.events.map((event) => ({
              timeUnixNano: event.timeUnixNano.toString(),
              name: event.name,
              attributes: keyValues(event.attributes),
              droppedAttributesCount: event.droppedAttributesCount,
            })),
            droppedEventsCount: span.droppedEventsCount,
            links: span.links.map((link) => ({
              traceId: link.traceId,
              spanId: link.spanId,
              traceState: link.traceState,
              flags: link.flags,
              attributes: keyValues(link.attributes),
              droppedAttributesCount: link.droppedAttributesCount,
            })),
            droppedLinksCount: span.droppedLinksCount,
            status: { code: span.statusCode, message: span.statusMessage },
          })),
        },
      ],
    })),
  })
}

function logsToOtlpJson(decoded: DecodedLogs): string {
  return JSON.stringify({
    resourceLogs: decoded.groups.map((group) => ({
      resource: resourceJson(group.resource),
      scopeLogs: [
        {
          scope: scopeJson(group.scope),
          logRecords: group.records.map((record) => ({
            timeUnixNano: record.timeUnixNano.toString(),
            observedTimeUnixNano: record.observedTimeUnixNano.toString(),
            severityNumber: record.severityNumber,
            severityText: record.severityText,
            body: toOtlpJsonAnyValue(record.body.value, record.body.otlp),
            attributes: keyValues(record.attributes),
            droppedAttributesCount: record.droppedAttributesCount,
            flags: record.flags,
            traceId: record.traceId ?? '',
            spanId: record.spanId ?? '',
            eventName: record.eventName,
          })),
        },
      ],
    })),
  })
}

/** A protobuf body whose attributes cover every AnyValue type and every lossy case. */
function edgeValueBody(): Buffer {
  const attributes = [
    { key: 'text', value: { stringValue: 'plain' } },
    { key: 'text.nan', value: { stringValue: 'NaN' } },
    { key: 'flag', value: { boolValue: false } },
    { key: 'int', value: { intValue: longBits(-42n) } },
    { key: 'int.max', value: { intValue: longBits(9223372036854775807n) } },
    { key: 'int.just.unsafe', value: { intValue: longBits(-9007199254740992n) } },
    { key: 'double', value: { doubleValue: 0.1 } },
    { key: 'double.whole', value: { doubleValue: 1e21 } },
    { key: 'double.nan', value: { doubleValue: NaN } },
    { key: 'double.inf', value: { doubleValue: Infinity } },
    { key: 'bytes', value: { bytesValue: Uint8Array.from([251, 255, 191]) } },
    { key: 'bytes.empty', value: { bytesValue: new Uint8Array(0) } },
    { key: 'empty', value: {} },
    { key: '__proto__', value: { stringValue: 'data' } },
    {
      key: 'array.mixed',
      value: {
        arrayValue: {
          values: [{ intValue: longBits(1n) }, { doubleValue: 1 }, { stringValue: '1' }, {}],
        },
      },
    },
    {
      key: 'map.lossless',
      value: {
        kvlistValue: {
          values: [
            { key: 'a', value: { arrayValue: { values: [{ boolValue: true }] } } },
            { key: 'bytes', value: { stringValue: 'not really bytes' } },
          ],
        },
      },
    },
    {
      key: 'map.lossy',
      value: {
        kvlistValue: {
          values: [
            { key: 'bytes', value: { bytesValue: Uint8Array.from([1]) } },
            {
              key: 'deep',
              value: { kvlistValue: { values: [{ key: 'n', value: { doubleValue: -0.5 } }] } },
            },
            { key: 'big', value: { intValue: longBits(12345678901234567n) } },
          ],
        },
      },
    },
  ]
  return encodeTraceRequest({
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'resource.double', value: { doubleValue: 2 } }],
          droppedAttributesCount: 1,
        },
        scopeSpans: [
          {
            scope: {
              name: 'edge',
              attributes: [{ key: 'scope.bytes', value: { bytesValue: Uint8Array.from([9]) } }],
            },
            spans: [
              {
                traceId: hexBytes('5b8efff798038103d269b633813fc60c'),
                spanId: hexBytes('eee19b7ec3c1b174'),
                name: 'edge values',
                kind: 7,
                startTimeUnixNano: longBits(18446744073709551615n, true),
                endTimeUnixNano: longBits(1n, true),
                attributes,
                events: [{ name: 'event', attributes }],
                links: [
                  {
                    traceId: hexBytes('0af7651916cd43dd8448eb211c80319c'),
                    spanId: hexBytes('b7ad6b7169203331'),
                    attributes,
                  },
                ],
                status: { code: 5, message: 'odd' },
              },
            ],
          },
        ],
      },
    ],
  })
}

describe('attribute round trip through OTLP/JSON', () => {
  test('keeps every edge value and type', () => {
    const decoded = decodeTracesProto(edgeValueBody())
    const span = decoded.groups[0]!.spans[0]!
    expect(span.attributes.otlpTypes).not.toBeNull()
    const again = decodeTracesJson(tracesToOtlpJson(decoded))
    expect(again).toEqual(decoded)
    expect(again.groups[0]!.spans[0]!.attributes).toStrictEqual(span.attributes)
  })

  test('keeps real SDK attributes', () => {
    const tracer = createTestTracer({ 'service.name': 'round-trip', 'host.cores': 2 })
    const root = tracer.startSpan('root', {
      kind: SpanKind.SERVER,
      attributes: { int: 7, double: 7.5, whole: 1e300, list: [1, 2], names: ['a'], on: true },
    })
    tracer.startSpan('child', { attributes: { empty: '' } }, root).end()
    root.end()
    const decoded = decodeTracesProto(
      ProtobufTraceSerializer.serializeRequest(tracer.finishedSpans())!,
    )
    expect(decodeTracesJson(tracesToOtlpJson(decoded))).toEqual(decoded)
  })

  const fixtures: [string, () => Buffer][] = [
    ['c27', () => readCase('c27-invalid-utf8.pb')],
    ['c28', () => readCase('c28-pydantic-v2-run.pb')],
    ['c30', () => gunzipSync(readCase('c30-usage-limit-exceeded.pb.gz'))],
    ['c33', () => readCase('c33-cache-accounting.pb')],
    ['c43', () => readCase('c43-model-retry-then-success.pb')],
    ['c13', () => readCase('c13-5000-spans.pb')],
  ]
  for (const [id, body] of fixtures) {
    test(`keeps the ${id} fixture identical`, () => {
      const decoded = decodeTracesProto(body())
      expect(decodeTracesJson(tracesToOtlpJson(decoded))).toEqual(decoded)
    })
  }

  test('keeps log bodies of every type', () => {
    const bodies = [
      { stringValue: 'text' },
      { intValue: longBits(9007199254740993n) },
      { doubleValue: 4 },
      { doubleValue: -Infinity },
      { bytesValue: Uint8Array.from([0, 1, 2]) },
      {},
      { kvlistValue: { values: [{ key: 'n', value: { doubleValue: 0.5 } }] } },
      { arrayValue: { values: [{ doubleValue: 2 }] } },
    ]
    const decoded = decodeLogsProto(
      encodeLogsRequest({
        resourceLogs: [{ scopeLogs: [{ logRecords: bodies.map((body) => ({ body })) }] }],
      }),
    )
    expect(decoded.groups[0]!.records).toHaveLength(bodies.length)
    expect(decodeLogsJson(logsToOtlpJson(decoded))).toEqual(decoded)
  })
})
