// Backpressure over OTLP/gRPC: a core whose write queue holds only two
// requests' spans is sent far more concurrent Export calls than it can
// queue. It must reject the excess with UNAVAILABLE and a RetryInfo delay,
// store every span of every call it acknowledged (and none of the rejected
// ones), and accept calls again once the load is gone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces } from '../../bench/workload'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import { exportOverGrpc, grpcClient } from '../helpers/grpc'
import { exportConcurrently, storedSpansByTrace } from '../helpers/overload'

/** Spans that may wait for a commit: two requests' worth. */
const MAX_QUEUED_SPANS = 64
/** One GenAI trace of 32 spans per call, about 200 KB of protobuf. */
const SPANS_PER_REQUEST = 32
const CLIENTS = 48
const REQUESTS_PER_CLIENT = 8
const GRPC_UNAVAILABLE = 14

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore(makeDataDir('loupe-overload-grpc-'), {
    maxQueuedItems: MAX_QUEUED_SPANS,
  })
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

describe('OTLP/gRPC overload', () => {
  it('rejects the excess with UNAVAILABLE and keeps what it acknowledged', async () => {
    const template = buildRequest('genai', SPANS_PER_REQUEST, 9)
    const templateTraceId = decodeTracesProto(template.protobuf).groups[0]!.spans[0]!.traceId
    const traceIdOf = (sequence: number) =>
      sequence.toString(16).padStart(8, '0') + templateTraceId.slice(8)

    const started = performance.now()
    // A client per exporter.
    const answers = await exportConcurrently(
      loupe.grpcAddress,
      CLIENTS,
      REQUESTS_PER_CLIENT,
      (sequence) => renumberTraces(template, sequence),
    )
    const elapsedMs = performance.now() - started

    const accepted = answers.filter((answer) => answer.code === 0)
    const rejected = answers.filter((answer) => answer.code !== 0)
    console.log(
      `gRPC overload: ${answers.length} calls in ${elapsedMs.toFixed(0)} ms, ` +
        `${accepted.length} answered OK and ${rejected.length} UNAVAILABLE`,
    )
    expect(answers).toHaveLength(CLIENTS * REQUESTS_PER_CLIENT)
    expect(accepted.length).toBeGreaterThan(0)
    expect(rejected.length).toBeGreaterThan(0)
    for (const answer of rejected) {
      expect(answer.code, `call ${answer.sequence}: ${answer.details}`).toBe(GRPC_UNAVAILABLE)
      expect(answer.details).toMatch(
        /^the write queue is full \(\d+ spans and log records waiting for a commit\); retry later\./,
      )
      expect(answer.retryDelaySeconds).toBe(1)
    }

    const stored = storedSpansByTrace(loupe.core.database)
    for (const answer of accepted) {
      expect(stored.get(traceIdOf(answer.sequence)), `call ${answer.sequence}`).toBe(
        SPANS_PER_REQUEST,
      )
    }
    // A rejected call was never queued, so a retry of it stores no duplicate.
    for (const answer of rejected) {
      expect(stored.has(traceIdOf(answer.sequence)), `call ${answer.sequence}`).toBe(false)
    }

    const client = grpcClient(loupe.grpcAddress)
    try {
      const sequence = CLIENTS * REQUESTS_PER_CLIENT + 1
      const afterwards = await exportOverGrpc(client, 'traces', renumberTraces(template, sequence))
      expect(afterwards.code).toBe(0)
      expect(storedSpansByTrace(loupe.core.database).get(traceIdOf(sequence))).toBe(
        SPANS_PER_REQUEST,
      )
    } finally {
      client.close()
    }
  })
})
