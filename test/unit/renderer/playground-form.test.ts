import { describe, expect, it } from 'vitest'
import type { PlaygroundSettings, RunJson } from '../../../src/shared/api'
import {
  EMPTY_FORM,
  formFromRun,
  formFromSettings,
  runRequest,
  upsertRun,
  withPushedRuns,
} from '../../../src/renderer/src/playground-form'
import { parseRoute, playgroundHash } from '../../../src/renderer/src/route'

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
    state: 'running',
    exitCode: null,
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

describe('playground form', () => {
  it('fills from remembered settings', () => {
    const settings: PlaygroundSettings = {
      cwd: '/work/agent',
      commandLine: 'python agent.py',
      mode: 'live',
      scenario: null,
      updatedAt: '2026-03-01T10:00:00.000Z',
    }
    const form = formFromSettings(settings, { ...EMPTY_FORM, scenario: '{"turns": []}' })
    expect(form.cwd).toBe('/work/agent')
    expect(form.commandLine).toBe('python agent.py')
    expect(form.mode).toBe('live')
    // No scenario was remembered, so the one in the editor stays.
    expect(form.scenario).toBe('{"turns": []}')
  })

  it('reruns a scenario run in scenario mode', () => {
    const past = run('run_1', '2026-03-01T10:00:00.000Z', {
      scenario: 'playground scenario',
      scenarioText: '{"turns": [{"text": "hi"}]}',
    })
    const form = formFromRun(past, EMPTY_FORM)
    expect(form.mode).toBe('scenario')
    expect(form.scenario).toBe('{"turns": [{"text": "hi"}]}')
    expect(form.commandLine).toBe('python agent.py')
  })

  it('reruns a record run in record mode', () => {
    const form = formFromRun(
      run('run_1', '2026-03-01T10:00:00.000Z', { mode: 'record' }),
      EMPTY_FORM,
    )
    expect(form.mode).toBe('record')
    expect(form.scenario).toBe(EMPTY_FORM.scenario)
  })

  it('sends the scenario only in scenario mode', () => {
    const values = { ...EMPTY_FORM, cwd: ' /work/agent ', commandLine: 'python a.py' }
    expect(runRequest({ ...values, mode: 'mock' }).scenario).toBeNull()
    expect(runRequest({ ...values, mode: 'scenario' }).scenario).toBe(EMPTY_FORM.scenario)
    expect(runRequest(values).cwd).toBe('/work/agent')
  })
})

describe('withPushedRuns', () => {
  const started = run('run_1', '2026-03-01T10:00:00.000Z')
  const ended = {
    ...started,
    state: 'exited' as const,
    exitCode: 0,
    endedAt: '2026-03-01T10:00:01.000Z',
  }

  it('keeps the pushed end of a run', () => {
    const runs = withPushedRuns([started], new Map([[ended.id, ended]]))
    expect(runs.map((r) => [r.id, r.state])).toEqual([['run_1', 'exited']])
  })

  it('adds a run that started after the list was read', () => {
    const newer = run('run_2', '2026-03-01T11:00:00.000Z')
    const runs = withPushedRuns([ended], new Map([[newer.id, newer]]))
    expect(runs.map((r) => r.id)).toEqual(['run_2', 'run_1'])
  })

  it('keeps the listed end of a run', () => {
    const runs = withPushedRuns([ended], new Map([[started.id, started]]))
    expect(runs.map((r) => [r.id, r.state])).toEqual([['run_1', 'exited']])
  })
})

describe('upsertRun', () => {
  it('replaces a known run and keeps newest first', () => {
    const older = run('run_1', '2026-03-01T10:00:00.000Z')
    const newer = run('run_2', '2026-03-01T11:00:00.000Z')
    const ended = { ...older, state: 'exited' as const, exitCode: 0 }
    const runs = upsertRun([newer, older], ended)
    expect(runs.map((r) => r.id)).toEqual(['run_2', 'run_1'])
    expect(runs[1]!.state).toBe('exited')
  })

  it('adds a new run at the top', () => {
    const runs = upsertRun(
      [run('run_1', '2026-03-01T10:00:00.000Z')],
      run('run_2', '2026-03-01T11:00:00.000Z'),
    )
    expect(runs.map((r) => r.id)).toEqual(['run_2', 'run_1'])
  })
})

describe('playground route', () => {
  it('parses the page and a run', () => {
    expect(parseRoute('#/playground')).toEqual({ page: 'playground', runId: null })
    expect(parseRoute('#/playground/run_ab12')).toEqual({ page: 'playground', runId: 'run_ab12' })
    expect(parseRoute(playgroundHash('run_ab12'))).toEqual({
      page: 'playground',
      runId: 'run_ab12',
    })
    expect(parseRoute('#/playground/run_ab12/extra')).toEqual({ page: 'list' })
  })
})
