// Loads the OTLP cases of test/fixtures/cases: manifest.json and the request
// bodies next to it. Sends their requests to a test core exactly as the
// manifest describes them, over HTTP with fetch and over gRPC with a grpc-js
// client. Reads back what Loupe stored through the CLI and the API.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import * as grpc from '@grpc/grpc-js'
import { expect } from 'vitest'
import type {
  AttributeMap,
  JsonValue,
  SpanJson,
  SpanStatus,
  TraceDetail,
  TraceSummary,
  TraceTree,
} from '../../src/shared/api'
import { cliJson, fixturesDir, type TestCore } from './core'

export const casesDir = join(fixturesDir, 'cases')

/** One request of a case, as manifest.json describes it. */
export interface CaseRequest {
  transport: 'http' | 'grpc' | 'none'
  /** The URL path for HTTP, or the full gRPC method name. */
  path: string
  /** Sent as the Content-Type header, or no header when null. */
  contentType: string | null
  /**
   * For HTTP, how bodyFile is already encoded, sent as Content-Encoding (no
   * header when null). For gRPC, 'gzip' makes the client compress on the wire.
   */
  contentEncoding: string | null
  bodyFile: string
  method?: string
  headers?: Record<string, string>
  delayMsBefore?: number
  /** What a strict OTLP decoder makes of the body: true, 'lenient', false (undecodable) or null. */
  wellFormed: boolean | 'lenient' | null
  label?: string
  expectTooLarge?: boolean
  generated?: boolean
  /** The hand-written OTLP/JSON file that a binary body was encoded from. */
  readable?: string
}

export interface OtlpCase {
  id: string
  kind: string
  title: string
  requests: CaseRequest[]
  expectations: string[]
}

interface ManifestCase {
  id: string
  kind: string
  title: string
  request: CaseRequest | CaseRequest[]
  expectations: string[]
}

let manifestCases: ManifestCase[] | null = null

/** Returns a case of manifest.json by id, with its requests as a list. */
export function loadCase(id: string): OtlpCase {
  manifestCases ??= (
    JSON.parse(readFileSync(join(casesDir, 'manifest.json'), 'utf8')) as { cases: ManifestCase[] }
  ).cases
  const found = manifestCases.find((c) => c.id === id)
  if (!found) throw new Error(`case ${id} is not in ${join(casesDir, 'manifest.json')}`)
  const requests = Array.isArray(found.request) ? found.request : [found.request]
  return {
    id: found.id,
    kind: found.kind,
    title: found.title,
    requests,
    expectations: found.expectations,
  }
}

export function readCaseFile(name: string): Buffer {
  return readFileSync(join(casesDir, name))
}

export interface HttpCaseResponse {
  transport: 'http'
  status: number
  contentType: string | null
  body: Buffer
  elapsedMs: number
}

export interface GrpcCaseResponse {
  transport: 'grpc'
  /** gRPC status code, 0 for OK. */
  code: number
  details: string
  /** The response message bytes, or null when the call failed. */
  body: Buffer | null
  elapsedMs: number
}

export type CaseResponse = HttpCaseResponse | GrpcCaseResponse

/** Sends one request of a case, after its delayMsBefore. */
export async function sendCaseRequest(
  loupe: TestCore,
  request: CaseRequest,
): Promise<CaseResponse> {
  if (request.delayMsBefore) await sleep(request.delayMsBefore)
  const body = readCaseFile(request.bodyFile)
  switch (request.transport) {
    case 'http':
      return sendHttp(loupe, request, body)
    case 'grpc':
      return sendGrpc(loupe, request, body)
    case 'none':
      throw new Error(
        `request ${request.label ?? request.bodyFile} has transport none; nothing to send`,
      )
  }
}

/** Sends every request of a case in order and returns the responses. */
export async function sendCase(loupe: TestCore, id: string): Promise<CaseResponse[]> {
  const responses: CaseResponse[] = []
  for (const request of loadCase(id).requests) responses.push(await sendCaseRequest(loupe, request))
  return responses
}

async function sendHttp(
  loupe: TestCore,
  request: CaseRequest,
  body: Buffer,
): Promise<HttpCaseResponse> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.contentType !== null) headers['Content-Type'] = request.contentType
  if (request.contentEncoding !== null) headers['Content-Encoding'] = request.contentEncoding
  const started = performance.now()
  const response = await fetch(`${loupe.otlpHttpUrl}${request.path}`, {
    method: request.method ?? 'POST',
    headers,
    body,
  })
  const responseBody = Buffer.from(await response.arrayBuffer())
  return {
    transport: 'http',
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: responseBody,
    elapsedMs: performance.now() - started,
  }
}

const GRPC_COMPRESSION_GZIP = 2
const passThrough = (value: Buffer): Buffer => value

async function sendGrpc(
  loupe: TestCore,
  request: CaseRequest,
  body: Buffer,
): Promise<GrpcCaseResponse> {
  const options: grpc.ClientOptions = {}
  if (request.contentEncoding === 'gzip') {
    options['grpc.default_compression_algorithm'] = GRPC_COMPRESSION_GZIP
  }
  const client = new grpc.Client(loupe.grpcAddress, grpc.credentials.createInsecure(), options)
  const metadata = new grpc.Metadata()
  for (const [key, value] of Object.entries(request.headers ?? {})) metadata.set(key, value)
  const started = performance.now()
  try {
    return await new Promise<GrpcCaseResponse>((resolve) => {
      client.makeUnaryRequest(
        request.path,
        passThrough,
        passThrough,
        body,
        metadata,
        { deadline: Date.now() + 60_000 },
        (error, value) => {
          const elapsedMs = performance.now() - started
          if (error) {
            resolve({
              transport: 'grpc',
              code: error.code,
              details: error.details,
              body: null,
              elapsedMs,
            })
          } else {
            resolve({
              transport: 'grpc',
              code: 0,
              details: '',
              body: value ?? Buffer.alloc(0),
              elapsedMs,
            })
          }
        },
      )
    })
  } finally {
    client.close()
  }
}

export function asHttp(response: CaseResponse | undefined): HttpCaseResponse {
  if (response?.transport !== 'http') throw new Error('expected a response to an HTTP request')
  return response
}

/** The partial_success of an Export*ServiceResponse, or null when the response has none. */
export interface PartialSuccessReply {
  rejectedSpans: number
  errorMessage: string
}

/**
 * Decodes an ExportTraceServiceResponse from an HTTP response body, in the
 * encoding its Content-Type names, or from a gRPC response message.
 */
export function partialSuccessOf(response: CaseResponse): PartialSuccessReply | null {
  if (response.transport === 'http' && isJsonResponse(response)) {
    const reply = JSON.parse(response.body.toString('utf8')) as {
      partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string }
    }
    if (!reply.partialSuccess) return null
    return {
      rejectedSpans: Number(reply.partialSuccess.rejectedSpans ?? 0),
      errorMessage: reply.partialSuccess.errorMessage ?? '',
    }
  }
  const body = response.body ?? Buffer.alloc(0)
  const partial = lastField(readProtobufFields(body), 1)
  if (partial === undefined) return null
  const fields = readProtobufFields(partial as Buffer)
  const rejected = lastField(fields, 1)
  const message = lastField(fields, 2)
  return {
    rejectedSpans: rejected === undefined ? 0 : Number(rejected),
    errorMessage: message === undefined ? '' : (message as Buffer).toString('utf8'),
  }
}

/** A google.rpc.Status as an HTTP error body carries it. */
export interface RpcStatus {
  code: number
  message: string
}

/** Decodes the google.rpc.Status of an HTTP error response, in the encoding its Content-Type names. */
export function rpcStatusOf(response: HttpCaseResponse): RpcStatus {
  if (isJsonResponse(response)) {
    const status = JSON.parse(response.body.toString('utf8')) as { code?: number; message?: string }
    return { code: status.code ?? 0, message: status.message ?? '' }
  }
  const fields = readProtobufFields(response.body)
  const code = lastField(fields, 1)
  const message = lastField(fields, 2)
  return {
    code: code === undefined ? 0 : Number(code),
    message: message === undefined ? '' : (message as Buffer).toString('utf8'),
  }
}

function isJsonResponse(response: HttpCaseResponse): boolean {
  return (response.contentType ?? '').split(';', 1)[0]!.trim() === 'application/json'
}

export type ProtobufField = bigint | Buffer

/** Reads the varint and length-delimited fields of one protobuf message, by field number. */
export function readProtobufFields(bytes: Buffer): Map<number, ProtobufField[]> {
  const fields = new Map<number, ProtobufField[]>()
  let offset = 0
  const readVarint = (): bigint => {
    let value = 0n
    let shift = 0n
    for (;;) {
      if (offset >= bytes.length) throw new Error('protobuf message ends inside a varint')
      const byte = bytes[offset++]!
      value |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return value
      shift += 7n
    }
  }
  while (offset < bytes.length) {
    const tag = Number(readVarint())
    const field = tag >>> 3
    const wireType = tag & 7
    let value: ProtobufField
    if (wireType === 0) {
      value = readVarint()
    } else if (wireType === 2) {
      const length = Number(readVarint())
      value = bytes.subarray(offset, offset + length)
      offset += length
    } else {
      throw new Error(`unexpected protobuf wire type ${wireType} for field ${field}`)
    }
    const list = fields.get(field) ?? []
    list.push(value)
    fields.set(field, list)
  }
  return fields
}

export function lastField(
  fields: Map<number, ProtobufField[]>,
  field: number,
): ProtobufField | undefined {
  return fields.get(field)?.at(-1)
}

/** Sends a valid OTLP/JSON trace export with no spans, to check that the receiver still works. */
export async function sendEmptyExport(loupe: TestCore): Promise<HttpCaseResponse> {
  const started = performance.now()
  const response = await fetch(`${loupe.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"resourceSpans":[]}',
  })
  return {
    transport: 'http',
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
    elapsedMs: performance.now() - started,
  }
}

/** `loupe show TRACE --json` through the core that serves the test's data folder. */
export function showTrace(loupe: TestCore, traceId: string): Promise<TraceDetail> {
  return cliJson<TraceDetail>(['show', traceId, '--json', '--data', loupe.dataDir])
}

/** `loupe traces --json` with a limit above what any case stores. */
export function listTraces(loupe: TestCore): Promise<TraceSummary[]> {
  return cliJson<TraceSummary[]>(['traces', '--json', '--limit', '1000', '--data', loupe.dataDir])
}

/** GETs a path of the core's API with its token and parses the JSON body. */
export async function apiGet<T>(
  loupe: TestCore,
  path: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${loupe.uiUrl}${path}`, {
    headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
  })
  return { status: response.status, body: (await response.json()) as T }
}

/** GETs /api/traces/:id/tree, or returns null when the trace is not found. */
export async function getTree(loupe: TestCore, traceId: string): Promise<TraceTree | null> {
  const { status, body } = await apiGet<TraceTree>(loupe, `/api/traces/${traceId}/tree`)
  if (status === 404) return null
  if (status !== 200) throw new Error(`GET /api/traces/${traceId}/tree returned HTTP ${status}`)
  return body
}

/** Returns the only span with this name, failing with the names present when there is not exactly one. */
export function spanNamed<S extends { name: string }>(spans: S[], name: string): S {
  const found = spans.filter((s) => s.name === name)
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one span named ${JSON.stringify(name)}, found ${found.length} among ` +
        spans.map((s) => JSON.stringify(s.name)).join(', '),
    )
  }
  return found[0]!
}

export function spansById(spans: SpanJson[]): Map<string, SpanJson> {
  return new Map(spans.map((s) => [s.spanId, s]))
}

/** A span of a readable OTLP/JSON source, with its attributes in the form the API serves. */
export interface SentSpan {
  traceId: string
  spanId: string
  parentSpanId: string | null
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  statusCode: number
  statusMessage: string
  attributes: AttributeMap
  events: { name: string; timeUnixNano: string; attributes: AttributeMap }[]
  serviceName: string | null
  scopeName: string
}

interface OtlpJsonKeyValue {
  key: string
  value: Record<string, unknown>
}

interface OtlpJsonSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind?: number
  startTimeUnixNano: string | number
  endTimeUnixNano: string | number
  attributes?: OtlpJsonKeyValue[]
  events?: { name: string; timeUnixNano: string | number; attributes?: OtlpJsonKeyValue[] }[]
  status?: { code?: number; message?: string }
}

interface OtlpJsonRequest {
  resourceSpans: {
    resource?: { attributes?: OtlpJsonKeyValue[] }
    scopeSpans: { scope?: { name?: string }; spans: OtlpJsonSpan[] }[]
  }[]
}

/**
 * Reads the spans of a hand-written OTLP/JSON case file with hex ids and
 * integer enums. Attribute values are mapped as the API documents them. An
 * int64 becomes a number when it is a safe integer and a decimal string
 * otherwise, and arrays and key-value lists become arrays and objects.
 */
export function readSentSpans(file: string): SentSpan[] {
  const request = JSON.parse(readCaseFile(file).toString('utf8')) as OtlpJsonRequest
  const spans: SentSpan[] = []
  for (const resourceSpans of request.resourceSpans) {
    const resource = attributeMap(resourceSpans.resource?.attributes)
    const serviceName =
      typeof resource['service.name'] === 'string' ? resource['service.name'] : null
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        spans.push({
          traceId: span.traceId.toLowerCase(),
          spanId: span.spanId.toLowerCase(),
          parentSpanId: span.parentSpanId ? span.parentSpanId.toLowerCase() : null,
          name: span.name,
          kind: span.kind ?? 0,
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
          statusCode: span.status?.code ?? 0,
          statusMessage: span.status?.message ?? '',
          attributes: attributeMap(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            timeUnixNano: String(event.timeUnixNano),
            attributes: attributeMap(event.attributes),
          })),
          serviceName,
          scopeName: scopeSpans.scope?.name ?? '',
        })
      }
    }
  }
  return spans
}

function attributeMap(keyValues: OtlpJsonKeyValue[] | undefined): AttributeMap {
  const map: AttributeMap = {}
  for (const { key, value } of keyValues ?? []) map[key] = servedValue(value)
  return map
}

function servedValue(value: Record<string, unknown>): JsonValue {
  if ('stringValue' in value) return value.stringValue as string
  if ('boolValue' in value) return value.boolValue as boolean
  if ('intValue' in value) {
    const integer = BigInt(value.intValue as string | number)
    const safe =
      integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER)
    return safe ? Number(integer) : integer.toString()
  }
  if ('doubleValue' in value) {
    const double = Number(value.doubleValue)
    return Number.isFinite(double) ? double : String(double)
  }
  if ('bytesValue' in value) return { bytes: value.bytesValue as string }
  if ('arrayValue' in value) {
    const values = (value.arrayValue as { values?: Record<string, unknown>[] }).values ?? []
    return values.map(servedValue)
  }
  if ('kvlistValue' in value) {
    return attributeMap((value.kvlistValue as { values?: OtlpJsonKeyValue[] }).values)
  }
  return null
}

const STATUS_NAMES: SpanStatus[] = ['unset', 'ok', 'error']

/**
 * Checks that every sent span is stored once with its ids, name, kind, times,
 * status, attributes and events exactly as sent, and that nothing else is
 * stored in those traces.
 */
export function expectSpansStoredAsSent(stored: SpanJson[], sent: SentSpan[]): void {
  expect(stored.map((s) => s.spanId).sort(), 'stored span ids').toEqual(
    sent.map((s) => s.spanId).sort(),
  )
  const byId = spansById(stored)
  for (const want of sent) {
    const span = byId.get(want.spanId)!
    const label = `span ${want.spanId} (${want.name})`
    expect(span.traceId, `${label} trace id`).toBe(want.traceId)
    expect(span.parentSpanId, `${label} parent`).toBe(want.parentSpanId)
    expect(span.name, `${label} name`).toBe(want.name)
    expect(span.spanKindCode, `${label} kind`).toBe(want.kind)
    expect(span.startTimeUnixNano, `${label} start`).toBe(want.startTimeUnixNano)
    expect(span.endTimeUnixNano, `${label} end`).toBe(want.endTimeUnixNano)
    expect(span.status, `${label} status`).toBe(STATUS_NAMES[want.statusCode])
    expect(span.statusMessage, `${label} status message`).toBe(want.statusMessage)
    expect(span.serviceName, `${label} service`).toBe(want.serviceName)
    expect(span.scope.name, `${label} scope`).toBe(want.scopeName)
    expect(span.attributes, `${label} attributes`).toEqual(want.attributes)
    const events = span.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.timeUnixNano,
      attributes: e.attributes,
    }))
    expect(events, `${label} events`).toEqual(want.events)
  }
}
