import { describe, expect, it } from 'vitest'
import type { TraceSummary } from '../../../src/shared/api'
import { failedRunsLabel, FailedRunCounter, isFailed } from '../../../src/shared/failed-runs'

const T0 = Date.parse('2025-06-01T12:00:00.000Z')

function trace(traceId: string, updatedMs: number, failed: boolean): TraceSummary {
  return {
    traceId,
    rootSpanId: 'a'.repeat(16),
    rootName: 'agent run',
    title: 'agent run',
    serviceName: 'weather',
    startTime: new Date(updatedMs).toISOString(),
    startTimeUnixNano: `${updatedMs}000000`,
    endTimeUnixNano: `${updatedMs}000000`,
    durationMs: 0,
    spanCount: 1,
    errorCount: failed ? 1 : 0,
    status: failed ? 'error' : 'ok',
    complete: true,
    inProgressCount: 0,
    updatedAt: new Date(updatedMs).toISOString(),
    agentName: 'weather',
    models: [],
    modelCalls: 0,
    toolCalls: 0,
    toolRetries: 0,
    modelRetries: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: null,
    unpricedCalls: 0,
    errorClass: failed ? 'tool_failed' : 'none',
    error: null,
    unnormalizedSpans: 0,
  }
}

describe('FailedRunCounter', () => {
  it('counts failures while unfocused', () => {
    const counter = new FailedRunCounter(true, T0)
    counter.blur(T0 + 1000)
    expect(counter.observe([trace('t1', T0 + 2000, true), trace('t2', T0 + 2000, false)])).toBe(1)
    expect(counter.observe([trace('t3', T0 + 3000, true)])).toBe(2)
  })

  it('counts a trace once', () => {
    const counter = new FailedRunCounter(false, T0)
    counter.observe([trace('t1', T0 + 1, true)])
    expect(counter.observe([trace('t1', T0 + 5, true), trace('t1', T0 + 9, true)])).toBe(1)
  })

  it('ignores failures seen while focused', () => {
    const counter = new FailedRunCounter(true, T0)
    expect(counter.observe([trace('t1', T0 + 10, true)])).toBe(0)
    counter.blur(T0 + 20)
    expect(counter.observe([trace('t1', T0 + 30, true)])).toBe(0)
  })

  it('clears on focus', () => {
    const counter = new FailedRunCounter(false, T0)
    counter.observe([trace('t1', T0 + 1, true), trace('t2', T0 + 1, true)])
    expect(counter.focus()).toBe(0)
    expect(counter.count).toBe(0)
    counter.blur(T0 + 100)
    expect(counter.observe([trace('t1', T0 + 200, true), trace('t3', T0 + 200, true)])).toBe(1)
  })

  it('ignores old traces pushed again', () => {
    const counter = new FailedRunCounter(true, T0)
    counter.blur(T0 + 60_000)
    // Repricing pushes a trace that failed before the window lost focus.
    expect(counter.observe([trace('old', T0, true)])).toBe(0)
  })

  it('counts a trace that fails later', () => {
    const counter = new FailedRunCounter(false, T0)
    expect(counter.observe([trace('t1', T0 + 1, false)])).toBe(0)
    expect(counter.observe([trace('t1', T0 + 2, true)])).toBe(1)
  })

  it('keeps the first blur time', () => {
    const counter = new FailedRunCounter(true, T0)
    counter.blur(T0 + 10)
    counter.blur(T0 + 1000)
    expect(counter.observe([trace('t1', T0 + 500, true)])).toBe(1)
  })
})

describe('isFailed', () => {
  it('takes an error class or an error status', () => {
    expect(isFailed({ errorClass: 'timeout', status: 'ok' })).toBe(true)
    expect(isFailed({ errorClass: 'none', status: 'error' })).toBe(true)
    expect(isFailed({ errorClass: 'none', status: 'unset' })).toBe(false)
  })
})

describe('failedRunsLabel', () => {
  it('names the count', () => {
    expect(failedRunsLabel(0)).toBe('Loupe')
    expect(failedRunsLabel(1)).toBe('Loupe: 1 new failed run')
    expect(failedRunsLabel(12)).toBe('Loupe: 12 new failed runs')
  })
})
