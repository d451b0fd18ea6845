// Test helpers: real OpenTelemetry SDK spans and log records, serialized with
// the real OTLP serializers, plus protobufjs encoders built from the official
// .proto files and a small raw wire writer for bodies no encoder produces.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api'
import type { LogRecord } from '@opentelemetry/api-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import protobuf from 'protobufjs'

export const CASES_DIR = join(import.meta.dirname, '../../fixtures/cases')
const PROTO_DIR = join(import.meta.dirname, '../../fixtures/otlp-proto')

export function readCase(file: string): Buffer {
  return readFileSync(join(CASES_DIR, file))
}

/** A tracer whose finished spans can be collected with `finishedSpans()`. */
export function createTestTracer(resource: Attributes = { 'service.name': 'unit-test' }) {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('loupe.unit', '1.2.3')
  return {
    tracer,
    startSpan(name: string, options: SpanOptions = {}, parent?: Span): Span {
      const context = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT
      return tracer.startSpan(name, options, context)
    },
    finishedSpans(): ReadableSpan[] {
      return exporter.getFinishedSpans()
    },
  }
}

/** Emits log records through a real LoggerProvider and returns them. */
export function recordLogs(
  records: LogRecord[],
  resource: Attributes = { 'service.name': 'unit-test' },
): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resource),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  })
  const logger = provider.getLogger('loupe.unit.logs', '0.9.0')
  for (const record of records) logger.emit(record)
  return exporter.getFinishedLogRecords()
}

let protoRoot: protobuf.Root | null = null

/** Loads the official OTLP .proto files copied into test/fixtures/otlp-proto. */
export function otlpProtoRoot(): protobuf.Root {
  if (protoRoot !== null) return protoRoot
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target)
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    ],
    { keepCase: false },
  )
  protoRoot = root
  return root
}

// protobufjs's verify() is skipped on purpose: it refuses the out-of-range
// enums and deep nesting that the edge-case tests send.
function encodeWith(typeName: string, request: object): Buffer {
  const type = otlpProtoRoot().lookupType(typeName)
  return Buffer.from(type.encode(type.create(request)).finish())
}

/** Encodes an ExportTraceServiceRequest given as protobufjs objects (camelCase, bytes as Uint8Array). */
export function encodeTraceRequest(request: object): Buffer {
  return encodeWith('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest', request)
}

export function encodeLogsRequest(request: object): Buffer {
  return encodeWith('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest', request)
}

export function encodeMetricsRequest(request: object): Buffer {
  return encodeWith('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest', request)
}

/** Returns hex as bytes, for ids in protobufjs requests. */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** A 64-bit integer in the {low, high} form protobufjs encodes exactly. */
export function longBits(value: bigint, unsigned = false): protobuf.Long {
  const low = Number(BigInt.asIntN(32, value))
  const high = Number(BigInt.asIntN(32, value >> 32n))
  return { low, high, unsigned } as protobuf.Long
}

/** Writes protobuf wire bytes field by field, for bodies that no encoder would produce. */
export class RawProtoWriter {
  private readonly bytes: number[] = []

  tag(fieldNumber: number, wireType: number): this {
    return this.varint(BigInt(fieldNumber * 8 + wireType))
  }

  varint(value: bigint | number): this {
    let remaining = BigInt.asUintN(64, BigInt(value))
    do {
      let byte = Number(remaining & 0x7fn)
      remaining >>= 7n
      if (remaining !== 0n) byte |= 0x80
      this.bytes.push(byte)
    } while (remaining !== 0n)
    return this
  }

  raw(bytes: ArrayLike<number>): this {
    for (let index = 0; index < bytes.length; index++) this.bytes.push(bytes[index]!)
    return this
  }

  lengthDelimited(fieldNumber: number, content: ArrayLike<number>): this {
    return this.tag(fieldNumber, 2).varint(content.length).raw(content)
  }

  string(fieldNumber: number, text: string): this {
    return this.lengthDelimited(fieldNumber, Buffer.from(text, 'utf8'))
  }

  message(fieldNumber: number, build: (writer: RawProtoWriter) => void): this {
    const inner = new RawProtoWriter()
    build(inner)
    return this.lengthDelimited(fieldNumber, inner.finish())
  }

  fixed64(fieldNumber: number, value: bigint): this {
    const buffer = Buffer.alloc(8)
    buffer.writeBigUInt64LE(value)
    return this.tag(fieldNumber, 1).raw(buffer)
  }

  fixed32(fieldNumber: number, value: number): this {
    const buffer = Buffer.alloc(4)
    buffer.writeUInt32LE(value)
    return this.tag(fieldNumber, 5).raw(buffer)
  }

  double(fieldNumber: number, value: number): this {
    const buffer = Buffer.alloc(8)
    buffer.writeDoubleLE(value)
    return this.tag(fieldNumber, 1).raw(buffer)
  }

  finish(): Buffer {
    return Buffer.from(this.bytes)
  }
}

/** A seeded pseudo-random generator (mulberry32), so fuzz runs repeat exactly. */
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
