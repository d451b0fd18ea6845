import { describe, expect, it } from 'vitest'
import type { CassetteCallJson, ReplayJson, RunJson } from '../../../src/shared/api'
import { errorHeadline } from '../../../src/renderer/src/api'
import {
  canCompareSource,
  cassetteCallLabel,
  comparedPair,
  findRunOfSource,
  replayFormFor,
  replayFormOfRun,
  replayReportText,
  replayRunRequest,
  sourceKind,
  toggleCompared,
} from '../../../src/renderer/src/replay-form'
import { diffHash, parseRoute, replayHash } from '../../../src/renderer/src/route'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

function run(id: string, startedAt: string, change: Partial<RunJson> = {}): RunJson {
  return {
    id,
    command: ['python', 'agent.py'],
    commandLine: 'python agent.py',
    cwd: '/work/agent',
    mode: 'mock',
    scenario: null,
    scenarioText: null,
    replay: null,
    startedAt,
    endedAt: null,
    state: 'exited',
    exitCode: 1,
    signal: null,
    output: null,
    traceIds: [],
    modelCalls: 0,
    toolCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    errorClasses: [],
    errorClass: 'none',
    ...change,
  }
}

function call(change: Partial<CassetteCallJson> = {}): CassetteCallJson {
  return {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    model: 'gpt-4o-mini',
    request: { lastUserText: 'What is the weather?', toolResults: [], tools: null },
    reply: { text: null, toolCalls: [], finishReason: 'stop', inputTokens: 30, outputTokens: 10 },
    error: null,
    ...change,
  }
}

const REPLAY: ReplayJson = {
  source: 'run_3f2a9c0d1e4b5a67',
  sourceKind: 'gateway',
  recordedCalls: 3,
  served: 3,
  until: null,
  then: 'fail',
  divergence: null,
  editedSpanIds: [],
}

describe('replay source', () => {
  it('tells runs from traces', () => {
    expect(sourceKind('run_3f2a9c0d1e4b5a67')).toBe('run')
    expect(sourceKind(TRACE)).toBe('trace')
    expect(sourceKind('atlantis.cassette.json')).toBeNull()
    expect(sourceKind(TRACE.toUpperCase())).toBeNull()
    expect(canCompareSource('atlantis.cassette.json')).toBe(false)
    expect(canCompareSource(TRACE)).toBe(true)
  })

  it('finds the run of a run id or trace id', () => {
    const first = run('run_1', '2026-03-01T10:00:00.000Z', { traceIds: ['a'.repeat(32)] })
    const second = run('run_2', '2026-03-01T11:00:00.000Z', { traceIds: [TRACE] })
    expect(findRunOfSource([first, second], 'run_2')).toBe(second)
    expect(findRunOfSource([first, second], TRACE)).toBe(second)
    expect(findRunOfSource([first, second], 'b'.repeat(32))).toBeNull()
    expect(findRunOfSource([first, second], 'agent.cassette.json')).toBeNull()
  })
})

describe('replay form', () => {
  it('fills the command from the run', () => {
    const source = run('run_1', '2026-03-01T10:00:00.000Z', {
      commandLine: "python agent.py 'a b'",
      cwd: '/srv/agent',
    })
    expect(replayFormFor(TRACE, source)).toEqual({
      source: TRACE,
      commandLine: "python agent.py 'a b'",
      cwd: '/srv/agent',
      then: 'fail',
      until: '',
      edits: [],
    })
  })

  it('leaves the command empty without a run', () => {
    const values = replayFormFor(TRACE, null)
    expect(values.commandLine).toBe('')
    expect(values.cwd).toBe('')
  })

  it('sends a replay in mock mode', () => {
    const values = {
      ...replayFormFor(' run_1 ', null),
      commandLine: 'env FORECAST_FIXED=1 python agent.py',
      cwd: ' /work/agent ',
      then: 'mock' as const,
    }
    expect(replayRunRequest(values)).toEqual({
      commandLine: 'env FORECAST_FIXED=1 python agent.py',
      cwd: '/work/agent',
      mode: 'mock',
      scenario: null,
      replay: { source: 'run_1', until: null, then: 'mock' },
    })
    expect(replayRunRequest({ ...values, until: '00f067aa0ba902b7' }).replay!.until).toBe(
      '00f067aa0ba902b7',
    )
  })

  it('repeats a replay run', () => {
    const replayed = run('run_9', '2026-03-01T12:00:00.000Z', {
      mode: 'replay',
      commandLine: 'python agent.py',
      replay: { ...REPLAY, until: '00f067aa0ba902b7', then: 'mock' },
    })
    expect(replayFormOfRun(replayed)).toEqual({
      source: REPLAY.source,
      commandLine: 'python agent.py',
      cwd: '/work/agent',
      then: 'mock',
      until: '00f067aa0ba902b7',
      edits: [],
    })
    expect(replayFormOfRun(run('run_8', '2026-03-01T12:00:00.000Z'))).toBeNull()
    const fromFile = { ...replayed, replay: { ...REPLAY, source: 'atlantis.cassette.json' } }
    expect(replayFormOfRun(fromFile)).toBeNull()
    const fork = { ...replayed, replay: { ...REPLAY, editedSpanIds: ['00f067aa0ba902b7'] } }
    expect(replayFormOfRun(fork)).toBeNull()
  })

  it('sends the edits of a fork', () => {
    const edit = { spanId: '00f067aa0ba902b7', toolCalls: [{ name: 'f', arguments: { a: 1 } }] }
    const values = { ...replayFormFor('run_1', null), edits: [edit] }
    expect(replayRunRequest(values).replay).toEqual({
      source: 'run_1',
      until: null,
      then: 'fail',
      edits: [edit],
    })
  })
})

describe('cassetteCallLabel', () => {
  it('names the tool calls of a reply', () => {
    const toolCall = { id: 'call_1', name: 'get_forecast', arguments: { city: 'Atlantis' } }
    const reply = { ...call().reply!, toolCalls: [toolCall] }
    expect(cassetteCallLabel(call({ reply }), 0)).toBe(
      'Call 1 · gpt-4o-mini · calls get_forecast({"city":"Atlantis"})',
    )
  })

  it('quotes a text reply', () => {
    const reply = { ...call().reply!, text: 'Sunny.' }
    expect(cassetteCallLabel(call({ reply, model: null }), 2)).toBe('Call 3 · text "Sunny."')
  })

  it('shows a recorded error', () => {
    const error = { status: 429, type: 'rate_limit_error', message: 'slow down' }
    expect(cassetteCallLabel(call({ reply: null, error }), 1)).toBe(
      'Call 2 · gpt-4o-mini · error 429 rate_limit_error',
    )
  })

  it('cuts a long label', () => {
    const reply = { ...call().reply!, text: 'x'.repeat(500) }
    const label = cassetteCallLabel(call({ reply }), 0)
    expect(label).toHaveLength(120)
    expect(label.endsWith('…')).toBe(true)
  })
})

describe('replayReportText', () => {
  it('reports a replay that matched', () => {
    const text = replayReportText(REPLAY)
    expect(text.served).toBe(
      "Served 3 of 3 recorded model calls of run_3f2a9c0d1e4b5a67 (from the gateway's recording).",
    )
    expect(text.divergence).toBeNull()
    expect(text.after).toBeNull()
  })

  it('reports a divergence and the mock after it', () => {
    const text = replayReportText({
      ...REPLAY,
      sourceKind: 'trace',
      recordedCalls: 1,
      served: 1,
      then: 'mock',
      divergence: {
        callIndex: 2,
        recordedSpanId: null,
        reasons: ['the run makes more model calls than the 1 recorded'],
      },
    })
    expect(text.served).toBe(
      "Served 1 of 1 recorded model calls of run_3f2a9c0d1e4b5a67 (from the agent's model-call spans).",
    )
    expect(text.divergence).toBe('Diverged at model call 2 (after the last recorded call):')
    expect(text.reasons).toEqual(['the run makes more model calls than the 1 recorded'])
    expect(text.after).toBe('After that, the mock model answered.')
  })

  it('names the recorded call that did not match', () => {
    const text = replayReportText({
      ...REPLAY,
      served: 0,
      divergence: { callIndex: 1, recordedSpanId: '00f067aa0ba902b7', reasons: ['changed'] },
    })
    expect(text.divergence).toBe('Diverged at model call 1 (recorded span 00f067aa0ba902b7):')
    expect(text.after).toBe('After that, each model call failed with HTTP 400.')
  })

  it('reports an until call', () => {
    const text = replayReportText({ ...REPLAY, served: 2, until: '00f067aa0ba902b7', then: 'mock' })
    expect(text.after).toBe(
      "The recording was served up to span 00f067aa0ba902b7; any model call after it got the mock model's answer.",
    )
  })

  it('reports a run that made fewer calls', () => {
    expect(replayReportText({ ...REPLAY, served: 1 }).after).toBe(
      'The run made fewer model calls than were recorded; each one matched.',
    )
  })
})

describe('run comparison', () => {
  it('keeps the last two picks', () => {
    expect(toggleCompared([], 'run_1')).toEqual(['run_1'])
    expect(toggleCompared(['run_1'], 'run_2')).toEqual(['run_1', 'run_2'])
    expect(toggleCompared(['run_1', 'run_2'], 'run_3')).toEqual(['run_2', 'run_3'])
    expect(toggleCompared(['run_1', 'run_2'], 'run_1')).toEqual(['run_2'])
  })

  it('puts the older run first', () => {
    const older = run('run_1', '2026-03-01T10:00:00.000Z')
    const newer = run('run_2', '2026-03-01T11:00:00.000Z')
    expect(comparedPair([newer, older], ['run_2', 'run_1'])).toEqual(['run_1', 'run_2'])
    expect(comparedPair([newer, older], ['run_1', 'run_2'])).toEqual(['run_1', 'run_2'])
    expect(comparedPair([newer, older], ['run_1'])).toBeNull()
  })
})

describe('replay and diff routes', () => {
  it('parses the replay form of a source', () => {
    expect(parseRoute(replayHash(TRACE))).toEqual({ page: 'replay', source: TRACE })
    expect(parseRoute('#/replay/run_1')).toEqual({ page: 'replay', source: 'run_1' })
    expect(parseRoute('#/replay/')).toEqual({ page: 'list' })
  })

  it('parses a diff', () => {
    expect(parseRoute(diffHash('run_1', TRACE))).toEqual({ page: 'diff', a: 'run_1', b: TRACE })
    expect(parseRoute('#/diff/run_1')).toEqual({ page: 'list' })
    expect(parseRoute('#/diff/run_1/run_2/extra')).toEqual({ page: 'list' })
  })
})

describe('errorHeadline', () => {
  it('keeps the first line when problems follow', () => {
    const message = 'nothing to replay:\n  no model call was found in the trace'
    expect(errorHeadline(message, ['no model call was found in the trace'])).toBe(
      'nothing to replay',
    )
    expect(errorHeadline('the working folder /x does not exist', [])).toBe(
      'the working folder /x does not exist',
    )
  })
})
