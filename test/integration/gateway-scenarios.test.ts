// Scripted mock answers: a scenario file reproduces each production failure
// class on demand for a real pydantic-ai agent under `loupe run --mock
// SCENARIO`, and its faults (hang, malformed JSON, a cut stream), latency and
// stream chunking reach a plain HTTP client as scripted.

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunJson, RunStart, SpanJson, TraceDetail } from '../../src/shared/api'
import {
  fixturesDir,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
  apiJson,
  agentEnv,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const scenarios = join(fixturesDir, 'gateway-scenarios')
const faultAgent = join(repoRoot, 'test/interop/fault_agent.py')

interface AgentReport {
  error: string | null
  message: string | null
  output: { city: string; summary: string } | null
  traceId: string
}

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

/** Calls the test core's API. */
function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  return apiJson<T>(loupe, path, init)
}

/** Runs the fault agent under `loupe run --mock SCENARIO` against the test core. */
async function runAgent(
  scenario: string,
  model: string,
  agentArgs: string[] = [],
): Promise<{ code: number; run: RunJson; report: AgentReport }> {
  const result = await runCli(
    [
      'run',
      '--json',
      '--data',
      loupe.dataDir,
      '--mock',
      join(scenarios, scenario),
      '--',
      python!,
      faultAgent,
      model,
      ...agentArgs,
    ],
    agentEnv(),
  )
  const run = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n'))) as RunJson
  const reportLine = run.output!.split('\n').find((line) => line.startsWith('{"error"'))
  if (!reportLine) throw new Error(`the agent printed no report:\n${run.output}`)
  return { code: result.code, run, report: JSON.parse(reportLine) as AgentReport }
}

/** The gateway's call spans of a run, in the order the calls arrived. */
async function gatewayCalls(run: RunJson): Promise<SpanJson[]> {
  const spans: SpanJson[] = []
  for (const traceId of run.traceIds) {
    const detail = await api<TraceDetail>(`/api/traces/${traceId}/full`)
    spans.push(
      ...detail.body.spans.filter(
        (span) => span.resource.attributes['service.name'] === 'loupe-gateway',
      ),
    )
  }
  return spans.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

describe.skipIf(!python)('failure classes for a pydantic-ai agent', () => {
  it('plays a scripted conversation', async () => {
    const { code, run, report } = await runAgent('weather.yaml', 'openai:gpt-4o-mini')
    expect(code).toBe(0)
    expect(report.output).toEqual({ city: 'Utrecht', summary: 'Sunny all day' })
    expect(run.scenario).toBe('weather.yaml')
    expect(run.errorClass).toBe('none')
    expect(run.toolCalls).toBe(1)
    expect(run.inputTokens).toBe(460)
    expect(run.outputTokens).toBe(30)
    const calls = await gatewayCalls(run)
    expect(calls.map((span) => span.attributes['loupe.gateway.scenario.turn'])).toEqual([1, 2])
    const firstOutput = JSON.parse(calls[0]!.attributes['gen_ai.output.messages'] as string) as {
      parts: { type: string; name?: string; arguments?: unknown }[]
    }[]
    expect(firstOutput[0]!.parts).toContainEqual(
      expect.objectContaining({
        type: 'tool_call',
        name: 'get_forecast',
        arguments: { city: 'Utrecht' },
      }),
    )
  })

  it('429 is upstream_unavailable, retries shown', async () => {
    const { code, run, report } = await runAgent('rate-limit.yaml', 'openai:gpt-4o-mini')
    expect(code).toBe(1)
    expect(report.error).toMatch(/ModelRateLimitError|ModelHTTPError/)
    expect(report.message).toContain('status_code: 429')
    expect(run.errorClass).toBe('upstream_unavailable')
    const calls = await gatewayCalls(run)
    // The OpenAI client tries three times (two retries) before pydantic-ai gives up.
    expect(calls.map((span) => span.attributes['http.response.status_code'])).toEqual([
      429, 429, 429,
    ])
    expect(calls.every((span) => span.status === 'error')).toBe(true)
    expect(calls[0]!.statusMessage).toBe(
      'Rate limit reached for requests. Please try again in 50ms.',
    )
  })

  it('401 is provider_rejected, not retried', async () => {
    const { code, run, report } = await runAgent('unauthorized.yaml', 'openai-chat:gpt-4o-mini')
    expect(code).toBe(1)
    expect(report.message).toContain('status_code: 401')
    expect(run.errorClass).toBe('provider_rejected')
    const calls = await gatewayCalls(run)
    expect(calls.map((span) => span.attributes['http.response.status_code'])).toEqual([401])
  })

  it('hang past the timeout is timeout', async () => {
    const { code, run, report } = await runAgent('hang.yaml', 'openai:gpt-4o-mini', [
      '--timeout',
      '0.5',
    ])
    expect(code).toBe(1)
    expect(report.error).toMatch(/Timeout/)
    expect(run.errorClass).toBe('timeout')
    const calls = await gatewayCalls(run)
    expect(calls).toHaveLength(3)
    for (const span of calls) {
      expect(span.attributes['error.type']).toBe('loupe.fault.hang')
      expect(span.statusMessage).toMatch(
        /held the connection until the client closed it after \d+ ms/,
      )
    }
  })

  it('invalid output is model_output_invalid', async () => {
    const { code, run, report } = await runAgent('invalid-output.json', 'openai:gpt-4o-mini')
    expect(code).toBe(1)
    expect(report.error).toBe('pydantic_ai.exceptions.UnexpectedModelBehavior')
    expect(run.errorClass).toBe('model_output_invalid')
    // The first answer and pydantic-ai's one output retry.
    expect(run.modelCalls).toBe(2)
  })

  it("Anthropic 429 in Anthropic's shape", async () => {
    const { run, report } = await runAgent('rate-limit.yaml', 'anthropic:claude-sonnet-4-5')
    expect(report.message).toContain("'type': 'rate_limit_error'")
    expect(run.errorClass).toBe('upstream_unavailable')
    expect((await gatewayCalls(run)).length).toBeGreaterThanOrEqual(3)
  })
})

describe('scenario faults and delivery', () => {
  /** Starts a mock run with a scenario given inline and returns its gateway key and id. */
  async function scenarioRun(text: string): Promise<{ key: string; runId: string }> {
    const started = await api<RunStart>('/api/runs', {
      method: 'POST',
      body: JSON.stringify({
        command: ['curl'],
        cwd: repoRoot,
        mode: 'mock',
        scenario: { name: 'inline.yaml', text },
      }),
    })
    expect(started.status).toBe(201)
    return { key: started.body.env.OPENAI_API_KEY!, runId: started.body.runId }
  }

  function chat(key: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
    return fetch(`${loupe.otlpHttpUrl}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        stream,
        messages: [{ role: 'user', content: 'Say something' }],
      }),
      signal,
    })
  }

  async function finish(runId: string): Promise<SpanJson[]> {
    const run = await api<RunJson>(`/api/runs/${runId}/finish`, {
      method: 'POST',
      body: JSON.stringify({ exitCode: 0, output: '' }),
    })
    return gatewayCalls((await api<RunJson>(`/api/runs/${run.body.id}?wait=1`)).body)
  }

  it('malformed_json cuts the body', async () => {
    const { key, runId } = await scenarioRun('turns:\n  - fault: malformed_json\n')
    const response = await chat(key, false)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true)
    expect(() => JSON.parse(text) as unknown).toThrow()
    const [span] = await finish(runId)
    expect(span!.attributes['error.type']).toBe('loupe.fault.malformed_json')
    expect(span!.status).toBe('error')
  })

  it('cut_stream closes before [DONE]', async () => {
    const { key, runId } = await scenarioRun(
      'turns:\n  - fault: cut_stream\n    stream: { chunkSize: 4 }\n',
    )
    const response = await chat(key, true)
    expect(response.status).toBe(200)
    let received = ''
    let failed: unknown = null
    try {
      const decoder = new TextDecoder()
      for await (const chunk of response.body!) received += decoder.decode(chunk as Uint8Array)
    } catch (error) {
      failed = error
    }
    expect(failed).not.toBeNull()
    expect(received).toContain('chat.completion.chunk')
    expect(received).not.toContain('[DONE]')
    const [span] = await finish(runId)
    expect(span!.attributes['error.type']).toBe('loupe.fault.cut_stream')
  })

  it('latency and chunk size apply', async () => {
    const text = 'abcdefghijklmnopqrstuvwxyz'
    const { key, runId } = await scenarioRun(
      `turns:\n  - text: ${text}\n    latencyMs: 300\n    stream: { chunkSize: 5 }\n`,
    )
    const started = performance.now()
    const response = await chat(key, true)
    const body = await response.text()
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    const pieces = body
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)) as { choices: { delta: { content?: string } }[] })
      .map((chunk) => chunk.choices[0]?.delta.content)
      .filter((content): content is string => content !== undefined && content !== '')
    expect(pieces).toEqual(['abcde', 'fghij', 'klmno', 'pqrst', 'uvwxy', 'z'])
    await finish(runId)
  })

  it('turns play in order, then error', async () => {
    const { key, runId } = await scenarioRun(
      [
        'name: ordered',
        'then: error',
        'turns:',
        '  - text: first',
        '    times: 2',
        '  - error: { status: 503, message: Overloaded, retryAfter: 2 }',
      ].join('\n'),
    )
    const answers: string[] = []
    for (let i = 0; i < 2; i++) {
      const body = (await (await chat(key, false)).json()) as {
        choices: { message: { content: string } }[]
      }
      answers.push(body.choices[0]!.message.content)
    }
    expect(answers).toEqual(['first', 'first'])
    const overloaded = await chat(key, false)
    expect(overloaded.status).toBe(503)
    expect(overloaded.headers.get('retry-after')).toBe('2')
    expect(overloaded.headers.get('retry-after-ms')).toBe('2000')
    expect(await overloaded.json()).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: null },
    })
    const exhausted = await chat(key, false)
    expect(exhausted.status).toBe(500)
    const error = (await exhausted.json()) as { error: { message: string } }
    expect(error.error.message).toBe(
      'Scenario inline.yaml has no answer for request 4: all 2 turns are used up. ' +
        'Add a turn, raise a turn\'s "times", or set "then: auto" to let the automatic mock answer.',
    )
    await finish(runId)
  })

  it('records a client that leaves early', async () => {
    const { key, runId } = await scenarioRun('turns:\n  - text: late\n    latencyMs: 5000\n')
    const controller = new AbortController()
    const request = chat(key, false, controller.signal)
    setTimeout(() => controller.abort(), 200)
    await expect(request).rejects.toThrow()
    let spans: SpanJson[] = []
    // The span is stored when the gateway notices the closed connection.
    for (let i = 0; i < 100 && spans.length === 0; i++) {
      spans = await gatewayCalls((await api<RunJson>(`/api/runs/${runId}`)).body)
      if (spans.length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(spans[0]!.attributes['error.type']).toBe('client_closed')
    await finish(runId)
  })

  it('rejects an invalid scenario with lines', async () => {
    const response = await api<{ error: string; problems: string[] }>('/api/runs', {
      method: 'POST',
      body: JSON.stringify({
        command: ['agent'],
        cwd: repoRoot,
        mode: 'mock',
        scenario: {
          name: 'broken.yaml',
          text: 'turns:\n  - text: hi\n    toolCalls: [{ name: x }]\n  - error: { status: 200 }\n',
        },
      }),
    })
    expect(response.status).toBe(400)
    expect(response.body.problems).toEqual([
      'line 2, turns[0]: a turn has one answer, but this one has text and toolCalls',
      'line 4, turns[1].error.status: Too small: expected number to be >=400',
    ])
  })

  it('serves the published schema', async () => {
    const served = await api<Record<string, unknown>>('/api/scenario-schema')
    const published = JSON.parse(
      readFileSync(join(repoRoot, 'resources/schemas/scenario.schema.json'), 'utf8'),
    ) as Record<string, unknown>
    expect(served.body).toEqual(published)
  })
})

describe('loupe mock SCENARIO', () => {
  it('responds from the scenario', async () => {
    const dataDir = join(loupe.dataDir, 'mock-command')
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/loupe.js'),
        'mock',
        '--port',
        '0',
        '--data',
        dataDir,
        join(scenarios, 'unauthorized.yaml'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    try {
      for (let i = 0; i < 200 && !stdout.includes('ANTHROPIC_BASE_URL='); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(stdout).toContain('The mock answers from scenario unauthorized.yaml (1 turns).')
      const baseUrl = /OPENAI_BASE_URL=(\S+)/.exec(stdout)![1]!
      const response = await fetch(`${baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer anything' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }),
      })
      expect(response.status).toBe(401)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'invalid_api_key',
      )
    } finally {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
    }
  })

  it('stops on an invalid scenario file', async () => {
    const result = await runCli([
      'run',
      '--data',
      loupe.dataDir,
      '--mock',
      join(scenarios, 'invalid/two-answers.yaml'),
      '--',
      'true',
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'loupe: two-answers.yaml is not a valid scenario:\n' +
        '  line 4, turns[1]: a turn has one answer, but this one has text and error\n',
    )
  })
})
