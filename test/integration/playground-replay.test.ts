// Replay through the playground API. A pydantic-ai agent whose tool fails is
// recorded against a scenario of the mock model, then replayed with
// `POST /api/playground/runs` from its run and from its trace, with `until`
// and `then`. Replays that cannot start get 400 or 422 with the reasons.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import type { Cassette } from '../../src/core/replay/cassette'
import { joinCommandLine } from '../../src/core/runner/command-line'
import type {
  CassetteJson,
  PlaygroundInfo,
  PlaygroundRunRequest,
  RunDiffJson,
  RunJson,
  RunOutputEvent,
  SpanJson,
  TraceDetail,
} from '../../src/shared/api'
import {
  fixturesDir,
  makeDataDir,
  removeDir,
  repoRoot,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'
import { readEvents } from '../helpers/sse'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const agent = join(repoRoot, 'test/interop/replay_agent.py')
const MODEL = 'openai-chat:gpt-4o-mini'

/** The mock model calls get_forecast for Atlantis, which fails until FORECAST_FIXED=1. */
const ATLANTIS_SCENARIO = JSON.stringify({
  name: 'atlantis',
  turns: [
    { toolCalls: [{ name: 'get_forecast', arguments: { city: 'Atlantis' } }] },
    { text: 'Scripted: sunny in Atlantis.' },
  ],
})

interface AgentReport {
  error: string | null
  message: string | null
  output: string | null
}

let loupe: TestCore
let workDir: string

beforeAll(async () => {
  loupe = await startTestCore()
  workDir = makeDataDir('loupe-playground-replay-')
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
  removeDir(workDir)
})

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${loupe.uiUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${loupe.core.discovery.token}`,
      'Content-Type': 'application/json',
    },
  })
  return { status: response.status, body: (await response.json()) as T }
}

type StartBody = RunJson & { error: string; problems?: string[] }

function startRun(request: PlaygroundRunRequest) {
  return api<StartBody>('/api/playground/runs', { method: 'POST', body: JSON.stringify(request) })
}

/** Waits for a run's end on its output stream and returns the stored run. */
async function ended(runId: string): Promise<RunJson> {
  const url = `${loupe.uiUrl}/api/runs/${runId}/output`
  for await (const event of readEvents<RunOutputEvent>(url, loupe.core.discovery.token)) {
    if (event.type === 'end') return (await api<RunJson>(`/api/runs/${runId}?wait=1`)).body
  }
  throw new Error(`the output stream of ${runId} ended without an end event`)
}

/** Parses the JSON line that replay_agent.py prints last. */
function agentReport(run: RunJson): AgentReport {
  const line = run.output!.split('\n').find((text) => text.startsWith('{"error"'))
  if (!line) throw new Error(`the agent printed no report:\n${run.output}`)
  return JSON.parse(line) as AgentReport
}

function agentCommand(env: Record<string, string> = {}): string {
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${value}`)
  const prefix = assignments.length > 0 ? ['env', ...assignments] : []
  return joinCommandLine([...prefix, python!, agent, MODEL])
}

/** Returns the run's gateway call spans, oldest first. */
async function gatewaySpans(run: RunJson): Promise<SpanJson[]> {
  const spans: SpanJson[] = []
  for (const traceId of run.traceIds) {
    const { body } = await api<TraceDetail>(`/api/traces/${traceId}/full`)
    spans.push(...body.spans.filter((span) => span.attributes['loupe.gateway.api'] !== undefined))
  }
  return spans.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

it('serves cassettes in the shape the UI reads', () => {
  expectTypeOf<Cassette>().toExtend<CassetteJson>()
})

describe.skipIf(!python)('replay from the playground', () => {
  let recorded: RunJson
  let agentTraceId: string

  it('records a scenario run whose tool fails', async () => {
    const { status, body } = await startRun({
      commandLine: agentCommand(),
      cwd: workDir,
      mode: 'scenario',
      scenario: ATLANTIS_SCENARIO,
    })
    expect(status).toBe(201)
    recorded = await ended(body.id)
    expect(recorded.exitCode).toBe(1)
    expect(agentReport(recorded).message).toBe('no forecast data for Atlantis')
    expect(recorded.errorClass).toBe('tool_failed')
    const traces = await Promise.all(
      recorded.traceIds.map(async (id) => (await api<TraceDetail>(`/api/traces/${id}/full`)).body),
    )
    agentTraceId = traces.find((detail) => detail.trace.rootName === 'replay_turn')!.trace.traceId

    const cassette = await api<CassetteJson>(`/api/runs/${recorded.id}/cassette`)
    expect(cassette.status).toBe(200)
    expect(cassette.body.source.kind).toBe('gateway')
    expect(cassette.body.calls).toHaveLength(1)
    expect(cassette.body.calls[0]!.reply!.toolCalls.map((call) => call.arguments)).toEqual([
      { city: 'Atlantis' },
    ])
  })

  it('reproduces the failure from the run', async () => {
    const { status, body } = await startRun({
      commandLine: recorded.commandLine,
      cwd: recorded.cwd,
      mode: 'mock',
      replay: { source: recorded.id, then: 'fail' },
    })
    expect(status).toBe(201)
    expect(body.mode).toBe('replay')
    expect(body.state).toBe('running')
    const run = await ended(body.id)
    expect(run.exitCode).toBe(1)
    expect(agentReport(run).message).toBe('no forecast data for Atlantis')
    expect(run.errorClass).toBe('tool_failed')
    expect(run.replay).toEqual({
      source: recorded.id,
      sourceKind: 'gateway',
      recordedCalls: 1,
      served: 1,
      until: null,
      then: 'fail',
      divergence: null,
      editedSpanIds: [],
    })
    const [call] = await gatewaySpans(run)
    expect(call!.attributes['loupe.replay.source']).toBe(recorded.id)
    expect(call!.attributes['loupe.replay.index']).toBe(1)
  })

  it('keeps the folder settings of the recording', async () => {
    const { body } = await api<PlaygroundInfo>('/api/playground')
    const settings = body.recent.find((entry) => entry.cwd === workDir)!
    expect(settings.mode).toBe('scenario')
    expect(settings.scenario).toBe(ATLANTIS_SCENARIO)
  })

  it('runs past a trace recording after a fix', async () => {
    const { status, body } = await startRun({
      commandLine: agentCommand({ FORECAST_FIXED: '1' }),
      cwd: workDir,
      mode: 'mock',
      replay: { source: agentTraceId, until: null, then: 'mock' },
    })
    expect(status).toBe(201)
    const run = await ended(body.id)
    expect(run.exitCode).toBe(0)
    expect(agentReport(run).error).toBeNull()
    expect(run.errorClass).toBe('none')
    expect(run.replay).toMatchObject({ source: agentTraceId, sourceKind: 'trace', served: 1 })
    expect(run.replay!.divergence).toEqual({
      callIndex: 2,
      recordedSpanId: null,
      reasons: ['the run makes more model calls than the 1 recorded'],
    })

    // What the UI's "Compare with source" shows: the tool call that no longer fails.
    const diff = await api<RunDiffJson>(`/api/diff?a=${agentTraceId}&b=${run.id}`)
    expect(diff.status).toBe(200)
    expect(diff.body.a.errorClass).toBe('tool_failed')
    expect(diff.body.b.errorClass).toBe('none')
    expect(diff.body.steps[0]).toMatchObject({ kind: 'model', status: 'same' })
    expect(diff.body.firstDivergence).toBe(2)
    expect(diff.body.steps[1]).toMatchObject({ kind: 'tool', status: 'changed' })
    expect(diff.body.steps[1]!.changes).toEqual([
      'outcome changed: raised ValueError: no forecast data for Atlantis → returned "sunny in Atlantis"',
    ])
  })

  it('serves until a call, then the mock', async () => {
    const scenario = readFileSync(join(fixturesDir, 'gateway-scenarios/three-calls.yaml'), 'utf8')
    const fixed = agentCommand({ FORECAST_FIXED: '1' })
    const original = await startRun({
      commandLine: fixed,
      cwd: workDir,
      mode: 'scenario',
      scenario,
    })
    const source = await ended(original.body.id)
    expect(agentReport(source).output).toBe('Scripted: sunny and 40%.')
    const cassette = await api<CassetteJson>(`/api/runs/${source.id}/cassette`)
    expect(cassette.body.calls).toHaveLength(3)

    const until = cassette.body.calls[1]!.spanId
    const { status, body } = await startRun({
      commandLine: fixed,
      cwd: workDir,
      mode: 'mock',
      replay: { source: source.id, until, then: 'mock' },
    })
    expect(status).toBe(201)
    const run = await ended(body.id)
    expect(agentReport(run).output).toMatch(/^Mock answer from the Loupe gateway/)
    expect(run.replay).toMatchObject({ served: 2, until, then: 'mock', divergence: null })
    const calls = await gatewaySpans(run)
    expect(calls.map((span) => span.attributes['loupe.replay.index'] ?? null)).toEqual([1, 2, null])
  })

  it('rejects an until that is not a recorded call', async () => {
    const { status, body } = await startRun({
      commandLine: recorded.commandLine,
      cwd: workDir,
      mode: 'mock',
      replay: { source: recorded.id, until: '0123456789abcdef', then: 'mock' },
    })
    expect(status).toBe(422)
    expect(body.error).toMatch(
      /^until 0123456789abcdef is not the span of a recorded model call:\n/,
    )
    const cassette = await api<CassetteJson>(`/api/runs/${recorded.id}/cassette`)
    expect(body.problems).toEqual([
      `the recorded model calls of ${recorded.id} have the span ids ${cassette.body.calls[0]!.spanId}; ` +
        'give one of them, or leave out until to serve them all',
    ])
  })
})

describe('replay requests that cannot start', () => {
  it('explains a source with nothing to replay', async () => {
    const { status, body } = await startRun({
      commandLine: joinCommandLine(['sh', '-c', 'echo no model here']),
      cwd: workDir,
      mode: 'mock',
    })
    expect(status).toBe(201)
    const plain = await ended(body.id)

    const replay = await startRun({
      commandLine: plain.commandLine,
      cwd: workDir,
      mode: 'mock',
      replay: { source: plain.id, then: 'fail' },
    })
    expect(replay.status).toBe(422)
    expect(replay.body.error).toMatch(/^nothing to replay:/)
    expect(replay.body.problems).toEqual([
      'no model call was found in the trace; the agent made no model calls, or its instrumentation records none',
    ])
    // The cassette endpoint that the replay form reads gives the same reasons.
    const cassette = await api<{ problems: string[] }>(`/api/runs/${plain.id}/cassette`)
    expect(cassette.status).toBe(422)
    expect(cassette.body.problems).toEqual(replay.body.problems)
  })

  it('explains an unknown run', async () => {
    const { status, body } = await startRun({
      commandLine: 'true',
      cwd: workDir,
      mode: 'mock',
      replay: { source: 'run_0000000000000000', then: 'fail' },
    })
    expect(status).toBe(422)
    expect(body.error).toMatch(/^nothing named run_0000000000000000 to replay:/)
    expect(body.problems).toEqual([
      'give a run id (run_...), a trace id (32 hex digits) or a cassette file',
    ])
  })

  it('rejects a replay in another mode', async () => {
    const { status, body } = await startRun({
      commandLine: 'true',
      cwd: workDir,
      mode: 'live',
      replay: { source: 'run_0000000000000000', then: 'fail' },
    })
    expect(status).toBe(400)
    expect(body.error).toBe(
      'invalid playground run: a replay run gets its model replies from the recording and then ' +
        'from replay.then, so mode must be mock, not live',
    )
  })

  it('rejects an invalid replay', async () => {
    const { status, body } = await api<StartBody>('/api/playground/runs', {
      method: 'POST',
      body: JSON.stringify({
        commandLine: 'true',
        cwd: workDir,
        mode: 'mock',
        replay: { source: '', then: 'later' },
      }),
    })
    expect(status).toBe(400)
    expect(body.error).toContain(
      'replay.source: name the run (run_...) or trace (32 hex digits) to replay',
    )
    expect(body.error).toContain(
      'replay.then: Invalid option: expected one of "fail"|"mock"|"live"',
    )
  })
})
