// Provider faults scripted by a scenario (test/fixtures/scenarios/
// fastapi-faults.yaml) against the FastAPI agent example under `loupe run
// --mock SCENARIO`: each fault gets the HTTP status of its error class, and
// the request's trace shows that class, with the gateway calls that the
// OpenAI client's retries made.

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceDetail } from '../../src/shared/api'
import { fixturesDir, removeDir, startTestCore, type TestCore } from '../helpers/core'
import {
  agentRun,
  ancestors,
  fetchRun,
  gatewayCalls,
  hasAgentRun,
  isRunning,
  listProcesses,
  parseSse,
  postJson,
  rootSpan,
  startExample,
  traceIdOf,
  waitForTrace,
  type ErrorBody,
  type ExampleService,
} from '../helpers/fastapi-example'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const scenario = join(fixturesDir, 'scenarios/fastapi-faults.yaml')

/** Wait for the trace until its agent run and `calls` gateway calls have arrived. */
function waitForCalls(loupe: TestCore, traceId: string, calls: number): Promise<TraceDetail> {
  return waitForTrace(loupe, traceId, {
    until: (detail) => hasAgentRun(detail) && gatewayCalls(detail).length >= calls,
  })
}

/** Check that the request span is the trace's root and an ancestor of the agent run. */
function expectRequestAboveAgent(detail: TraceDetail, name: string): void {
  const root = rootSpan(detail)
  expect(root.spanKind).toBe('server')
  expect(root.name).toBe(name)
  expect(ancestors(detail, agentRun(detail)).map((span) => span.spanId)).toContain(root.spanId)
}

describe.skipIf(!python)('FastAPI agent example with scripted provider faults', () => {
  let loupe: TestCore
  let service: ExampleService

  beforeAll(async () => {
    loupe = await startTestCore()
    service = await startExample({
      python: python!,
      dataDir: loupe.dataDir,
      mockArgs: [scenario],
      // Short, so that a hung model request times out within the test.
      env: { MODEL_TIMEOUT_SECONDS: '1' },
    })
  })

  afterAll(async () => {
    if (service && service.loupe.exitCode === null) await service.interrupt()
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('answers 503 to a provider 429', async () => {
    const response = await postJson(service, '/chat', {
      message: 'Brief me on Lisbon. #rate-limit',
    })
    expect(response.status).toBe(503)
    // pydantic-ai reads the provider's Retry-After (0.05 s); the service rounds it up to 1 s.
    expect(response.headers.get('retry-after')).toBe('1')
    const traceId = traceIdOf(response)
    const body = (await response.json()) as ErrorBody
    expect(body.error).toBe('upstream_unavailable')

    const detail = await waitForCalls(loupe, traceId, 3)
    expectRequestAboveAgent(detail, 'POST /chat')
    expect(detail.trace.errorClass).toBe('upstream_unavailable')
    expect(detail.trace.error?.httpStatus).toBe(503)
    expect(detail.trace.error?.providerStatus).toBe(429)
    // The OpenAI client tries three times (two retries) before pydantic-ai raises.
    const calls = gatewayCalls(detail)
    expect(calls.map((span) => span.attributes['http.response.status_code'])).toEqual([
      429, 429, 429,
    ])
    expect(calls.map((span) => span.attributes['loupe.gateway.scenario.turn'])).toEqual([1, 1, 1])
  })

  it('answers 502 to a provider 401', async () => {
    const response = await postJson(service, '/chat', { message: 'Brief me on Lisbon. #bad-key' })
    expect(response.status).toBe(502)
    const traceId = traceIdOf(response)
    const body = (await response.json()) as ErrorBody
    expect(body.error).toBe('provider_rejected')

    const detail = await waitForCalls(loupe, traceId, 1)
    expectRequestAboveAgent(detail, 'POST /chat')
    expect(detail.trace.errorClass).toBe('provider_rejected')
    expect(detail.trace.error?.httpStatus).toBe(502)
    expect(detail.trace.error?.providerStatus).toBe(401)
    // The OpenAI client does not retry a 401.
    const calls = gatewayCalls(detail)
    expect(calls.map((span) => span.attributes['http.response.status_code'])).toEqual([401])
  })

  it('answers 504 when the model hangs', async () => {
    const started = Date.now()
    const response = await postJson(service, '/chat', { message: 'Brief me on Lisbon. #hang' })
    expect(response.status).toBe(504)
    // Three attempts of 1 s each, with the client's backoff between them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000)
    const traceId = traceIdOf(response)
    const body = (await response.json()) as ErrorBody
    expect(body.error).toBe('timeout')

    const detail = await waitForCalls(loupe, traceId, 3)
    expectRequestAboveAgent(detail, 'POST /chat')
    expect(detail.trace.errorClass).toBe('timeout')
    expect(detail.trace.error?.httpStatus).toBe(504)
    const calls = gatewayCalls(detail)
    expect(calls).toHaveLength(3)
    for (const span of calls) expect(span.attributes['error.type']).toBe('loupe.fault.hang')
  })

  it('answers 500 to invalid output', async () => {
    const response = await postJson(service, '/chat', {
      message: 'Brief me on Lisbon. #invalid-output',
    })
    expect(response.status).toBe(500)
    const traceId = traceIdOf(response)
    const body = (await response.json()) as ErrorBody
    expect(body.error).toBe('model_output_invalid')

    const detail = await waitForCalls(loupe, traceId, 2)
    expectRequestAboveAgent(detail, 'POST /chat')
    expect(detail.trace.errorClass).toBe('model_output_invalid')
    expect(detail.trace.error?.httpStatus).toBe(500)
    expect(detail.trace.error?.exceptionType).toMatch(/UnexpectedModelBehavior$/)
    // The first response and the agent's one output retry, both invalid.
    expect(gatewayCalls(detail)).toHaveLength(2)
    expect(detail.trace.modelCalls).toBe(2)
  })

  it('streams an error event for a provider 401', async () => {
    const response = await postJson(service, '/chat-stream', {
      message: 'Brief me on Lisbon. #bad-key',
    })
    expect(response.status).toBe(200)
    const traceId = traceIdOf(response)
    const events = parseSse(await response.text())
    expect(events.map((event) => event.event)).toEqual(['error'])
    const error = JSON.parse(events[0]!.data) as ErrorBody
    expect(error.error).toBe('provider_rejected')
    expect(error.status).toBe(502)

    const detail = await waitForCalls(loupe, traceId, 1)
    expectRequestAboveAgent(detail, 'POST /chat-stream')
    expect(detail.trace.errorClass).toBe('provider_rejected')
  })

  it('answers 200 to a message without a fault tag', async () => {
    const response = await postJson(service, '/chat', { message: 'Brief me on Lisbon.' })
    expect(response.status).toBe(200)
    const traceId = traceIdOf(response)

    // The scenario's `then: auto` hands the request to the automatic mock.
    const detail = await waitForCalls(loupe, traceId, 2)
    expect(detail.trace.errorClass).toBe('none')
    const calls = gatewayCalls(detail)
    expect(calls.map((span) => span.attributes['loupe.gateway.scenario.turn'])).toEqual([
      undefined,
      undefined,
    ])
  })

  it('records the run with its scenario and error classes', async () => {
    const loupePid = service.loupe.pid!
    const uvicorn = listProcesses().filter((p) => p.ppid === loupePid)
    expect(uvicorn).toHaveLength(1)

    expect(await service.interrupt()).toBe(0)
    expect(isRunning(uvicorn[0]!.pid)).toBe(false)

    const run = await fetchRun(loupe, service.runId)
    expect(run.scenario).toBe('fastapi-faults.yaml')
    expect([...run.errorClasses].sort()).toEqual([
      'model_output_invalid',
      'provider_rejected',
      'timeout',
      'upstream_unavailable',
    ])
  })
})
