// The FastAPI agent example (resources/examples/fastapi-agent) under
// `loupe run --mock` with uvicorn, driven with real HTTP requests: its
// answers and status codes, the traces Logfire sends for them, and that
// stopping the run (SIGINT, as Ctrl-C) leaves no uvicorn process behind.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, startTestCore, type TestCore } from '../helpers/core'
import {
  agentRun,
  ancestors,
  descendants,
  fetchRun,
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
  type ProcessInfo,
} from '../helpers/fastapi-example'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

interface CityBrief {
  city: string
  summary: string
  temperature_celsius: number
  local_time: string
  suggestions: string[]
}

interface ChatBody {
  output: CityBrief
  usage: { requests: number; tool_calls: number; input_tokens: number; output_tokens: number }
}

describe.skipIf(!python)('FastAPI agent example under loupe run', () => {
  let loupe: TestCore
  let service: ExampleService

  beforeAll(async () => {
    loupe = await startTestCore()
    service = await startExample({ python: python!, dataDir: loupe.dataDir })
  })

  afterAll(async () => {
    if (service && service.loupe.exitCode === null) await service.interrupt()
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('answers /chat with the structured output', async () => {
    const response = await postJson(service, '/chat', { message: 'Brief me on Lisbon.' })
    expect(response.status).toBe(200)
    const traceId = traceIdOf(response)
    const body = (await response.json()) as ChatBody
    expect(typeof body.output.city).toBe('string')
    expect(body.output.summary.length).toBeGreaterThan(0)
    expect(body.output.temperature_celsius).toBeGreaterThanOrEqual(-60)
    expect(body.output.temperature_celsius).toBeLessThanOrEqual(60)
    expect(body.output.suggestions.length).toBeGreaterThanOrEqual(1)
    expect(body.output.suggestions.length).toBeLessThanOrEqual(5)
    // The mock calls both tools in its first response, then returns the output.
    expect(body.usage.requests).toBe(2)
    expect(body.usage.tool_calls).toBe(2)
    expect(body.usage.input_tokens).toBeGreaterThan(0)

    const detail = await waitForTrace(loupe, traceId, { until: hasAgentRun })
    const root = rootSpan(detail)
    expect(root.spanKind).toBe('server')
    expect(root.name).toBe('POST /chat')
    expect(root.serviceName).toBe('fastapi-agent')
    expect(root.resource.attributes['loupe.run.id']).toBe(service.runId)
    const agent = agentRun(detail)
    expect(agent.agentName).toBe('city_guide')
    expect(ancestors(detail, agent).map((span) => span.spanId)).toContain(root.spanId)
    const tools = detail.spans.filter((span) => span.kind === 'tool').map((span) => span.toolName)
    expect(tools.sort()).toEqual(['get_local_time', 'get_weather'])
    expect(detail.trace.modelCalls).toBe(2)
    expect(detail.trace.errorClass).toBe('none')
  })

  it('answers 429 when the run exceeds its usage limits', async () => {
    // The mock counts a token per 4 characters, so 90,000 characters are over
    // the example's limit of 20,000 tokens per run in the first model request.
    const response = await postJson(service, '/chat', { message: 'x'.repeat(90_000) })
    expect(response.status).toBe(429)
    const traceId = traceIdOf(response)
    const body = (await response.json()) as ErrorBody
    expect(body.error).toBe('quota_exceeded')

    const detail = await waitForTrace(loupe, traceId, { until: hasAgentRun })
    expect(rootSpan(detail).spanKind).toBe('server')
    expect(detail.trace.errorClass).toBe('quota_exceeded')
    expect(detail.trace.error?.httpStatus).toBe(429)
    expect(detail.trace.error?.exceptionType).toMatch(/UsageLimitExceeded$/)
    expect(agentRun(detail).errorClass).toBe('quota_exceeded')
    // The error originated in the agent run, under the request span.
    expect(detail.trace.error?.spanId).toBe(agentRun(detail).spanId)
  })

  it('streams text deltas from /chat-stream', async () => {
    const response = await postJson(service, '/chat-stream', { message: 'Brief me on Oslo.' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const traceId = traceIdOf(response)
    const events = parseSse(await response.text())
    const deltas = events.filter((event) => event.event === 'delta')
    expect(deltas.length).toBeGreaterThan(1)
    const text = deltas.map((event) => JSON.parse(event.data) as string).join('')
    // The mock's text reply reports the results of both tools.
    expect(text).toContain('get_weather')
    expect(text).toContain('get_local_time')
    const last = events.at(-1)!
    expect(last.event).toBe('done')
    const done = JSON.parse(last.data) as Pick<ChatBody, 'usage'>
    expect(done.usage.requests).toBe(2)

    const detail = await waitForTrace(loupe, traceId, { until: hasAgentRun })
    const root = rootSpan(detail)
    expect(root.spanKind).toBe('server')
    expect(root.name).toBe('POST /chat-stream')
    expect(ancestors(detail, agentRun(detail)).map((span) => span.spanId)).toContain(root.spanId)
    expect(detail.trace.errorClass).toBe('none')
  })

  it('sends an error event when a stream exceeds its usage limits', async () => {
    const response = await postJson(service, '/chat-stream', { message: 'x'.repeat(90_000) })
    // The status line goes out before the run starts, so the failure is an event.
    expect(response.status).toBe(200)
    const traceId = traceIdOf(response)
    const events = parseSse(await response.text())
    expect(events.map((event) => event.event)).toEqual(['error'])
    const error = JSON.parse(events[0]!.data) as ErrorBody
    expect(error.error).toBe('quota_exceeded')
    expect(error.status).toBe(429)

    const detail = await waitForTrace(loupe, traceId, { until: hasAgentRun })
    expect(rootSpan(detail).name).toBe('POST /chat-stream')
    expect(detail.trace.errorClass).toBe('quota_exceeded')
    expect(agentRun(detail).errorClass).toBe('quota_exceeded')
  })

  it.each([
    ['an empty message', { message: '' }, ['body', 'message']],
    ['a missing message', { text: 'hello' }, ['body', 'message']],
    ['a message that is not a string', { message: 42 }, ['body', 'message']],
  ])('answers 400 to %s', async (_case, body, loc) => {
    const response = await postJson(service, '/chat', body)
    expect(response.status).toBe(400)
    const traceId = traceIdOf(response)
    const answer = (await response.json()) as ErrorBody
    expect(answer.error).toBe('input_invalid')
    expect(answer.detail).toEqual([expect.objectContaining({ loc })])

    // Validation fails before the endpoint runs, so the model is never called.
    const detail = await waitForTrace(loupe, traceId)
    expect(rootSpan(detail).spanKind).toBe('server')
    expect(rootSpan(detail).attributes['http.status_code']).toBe(400)
    expect(detail.trace.modelCalls).toBe(0)
    expect(hasAgentRun(detail)).toBe(false)
  })

  it('leaves no uvicorn process after SIGINT', async () => {
    const loupePid = service.loupe.pid!
    const processes = listProcesses()
    const uvicorn = processes.filter((p) => p.ppid === loupePid)
    expect(uvicorn).toHaveLength(1)
    expect(uvicorn[0]!.command).toContain('uvicorn app:app')
    const uvicornPid = uvicorn[0]!.pid
    const tree = [uvicornPid, ...descendants(uvicornPid, processes).map((p) => p.pid)]

    const exitCode = await service.interrupt()
    // uvicorn shuts down cleanly on SIGINT and `loupe run` passes on its exit code.
    expect(exitCode).toBe(0)
    for (const pid of tree) expect(isRunning(pid), `process ${pid} is still running`).toBe(false)
    // `loupe run` starts the command in a process group of its own.
    expect(listProcesses().filter((p) => p.pgid === uvicornPid)).toEqual([])

    const run = await fetchRun(loupe, service.runId)
    expect(run.endedAt).not.toBeNull()
    expect(run.exitCode).toBe(0)
    expect(run.output).toContain('Finished server process')
    expect(run.errorClasses).toContain('quota_exceeded')
  })
})

describe.skipIf(!python)('FastAPI agent example with uvicorn workers', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
  })

  afterAll(async () => {
    await loupe?.stop()
    if (loupe) removeDir(loupe.dataDir)
  })

  it('leaves no worker process after SIGINT', async () => {
    const service = await startExample({
      python: python!,
      dataDir: loupe.dataDir,
      uvicornArgs: ['--workers', '2'],
    })
    const uvicorn = listProcesses().find((p) => p.ppid === service.loupe.pid)
    expect(uvicorn).toBeDefined()
    // /healthz returns 200 once one worker runs, so poll until both have started.
    const workersOf = (tree: ProcessInfo[]) => tree.filter((p) => p.command.includes('spawn_main'))
    let tree = descendants(uvicorn!.pid)
    for (let i = 0; i < 100 && workersOf(tree).length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      tree = descendants(uvicorn!.pid)
    }
    expect(workersOf(tree)).toHaveLength(2)
    const response = await fetch(`${service.baseUrl}/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Brief me on Porto.' }),
    })
    expect(response.status).toBe(200)

    const exitCode = await service.interrupt()
    expect(exitCode).toBe(0)
    // The tree is the supervisor, its two workers and multiprocessing's resource tracker.
    for (const pid of [uvicorn!.pid, ...tree.map((p) => p.pid)])
      expect(isRunning(pid), `process ${pid} is still running`).toBe(false)
    expect(listProcesses().filter((p) => p.pgid === uvicorn!.pid)).toEqual([])
  })
})
