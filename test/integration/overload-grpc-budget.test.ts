// The in-flight budget over OTLP/gRPC: a core whose budget is about one and
// a half messages is sent many concurrent Export calls. It must reject
// the calls that would pass the budget with UNAVAILABLE and a RetryInfo
// delay, store every span of every call it acknowledged (and none of the
// rejected ones), and count OTLP/HTTP bodies in flight against the same budget.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces } from '../../bench/workload'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { exportOverGrpc, grpcClient } from '../helpers/grpc'
import { exportConcurrently, startSlowRequest, storedSpansByTrace } from '../helpers/overload'

/** One GenAI trace of 32 spans per call, about 200 KB of protobuf. */
const SPANS_PER_REQUEST = 32
const CLIENTS = 24
const REQUESTS_PER_CLIENT = 4
const GRPC_UNAVAILABLE = 14
const OVER_BUDGET =
  /^Loupe is busy: the OTLP requests in flight hold [\d.]+ MiB, and this [\d.]+ MiB message would take them past the limit of [\d.]+ MiB held at once; retry after the RetryInfo delay, or send smaller batches or fewer concurrent exports$/

const template = buildRequest('genai', SPANS_PER_REQUEST, 11)
const templateTraceId = decodeTracesProto(template.protobuf).groups[0]!.spans[0]!.traceId
const traceIdOf = (sequence: number) =>
  sequence.toString(16).padStart(8, '0') + templateTraceId.slice(8)
const body = (sequence: number) => renumberTraces(template, sequence)

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore(makeDataDir('loupe-overload-grpc-budget-'), {
    maxInFlightBytes: Math.floor(body(1).length * 1.5),
  })
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

describe('OTLP/gRPC in-flight budget', () => {
  it('rejects calls past the budget and keeps the accepted', async () => {
    const answers = await exportConcurrently(loupe.grpcAddress, CLIENTS, REQUESTS_PER_CLIENT, body)

    const accepted = answers.filter((answer) => answer.code === 0)
    const rejected = answers.filter((answer) => answer.code !== 0)
    expect(answers).toHaveLength(CLIENTS * REQUESTS_PER_CLIENT)
    expect(accepted.length).toBeGreaterThan(0)
    expect(rejected.length).toBeGreaterThan(0)
    for (const answer of rejected) {
      expect(answer.code, `call ${answer.sequence}: ${answer.details}`).toBe(GRPC_UNAVAILABLE)
      expect(answer.details).toMatch(OVER_BUDGET)
      expect(answer.retryDelaySeconds).toBe(1)
    }

    const stored = storedSpansByTrace(loupe.core.database)
    for (const answer of accepted) {
      expect(stored.get(traceIdOf(answer.sequence)), `call ${answer.sequence}`).toBe(
        SPANS_PER_REQUEST,
      )
    }
    for (const answer of rejected) {
      expect(stored.has(traceIdOf(answer.sequence)), `call ${answer.sequence}`).toBe(false)
    }

    // Every call released its bytes, so a call alone is accepted again.
    const client = grpcClient(loupe.grpcAddress)
    try {
      const sequence = CLIENTS * REQUESTS_PER_CLIENT + 1
      expect((await exportOverGrpc(client, 'traces', body(sequence))).code).toBe(0)
      expect(storedSpansByTrace(loupe.core.database).get(traceIdOf(sequence))).toBe(
        SPANS_PER_REQUEST,
      )
    } finally {
      client.close()
    }
  })

  it('shares the budget with OTLP/HTTP bodies', async () => {
    const httpSequence = 1001
    const grpcSequence = 1002
    const slow = startSlowRequest(`${loupe.otlpHttpUrl}/v1/traces`, body(httpSequence))
    // Let the receiver read the slow request's headers and take its bytes.
    await new Promise((resolve) => setTimeout(resolve, 200))

    const client = grpcClient(loupe.grpcAddress)
    try {
      const busy = await exportOverGrpc(client, 'traces', body(grpcSequence))
      expect(busy.code).toBe(GRPC_UNAVAILABLE)
      expect(busy.details).toMatch(OVER_BUDGET)
      expect(busy.retryDelaySeconds).toBe(1)

      expect(await slow.finish()).toBe(200)
      expect(storedSpansByTrace(loupe.core.database).get(traceIdOf(httpSequence))).toBe(
        SPANS_PER_REQUEST,
      )
      expect(storedSpansByTrace(loupe.core.database).has(traceIdOf(grpcSequence))).toBe(false)

      // The retry, with the HTTP request's bytes released, is stored.
      expect((await exportOverGrpc(client, 'traces', body(grpcSequence))).code).toBe(0)
      expect(storedSpansByTrace(loupe.core.database).get(traceIdOf(grpcSequence))).toBe(
        SPANS_PER_REQUEST,
      )
    } finally {
      client.close()
    }
  })
})
