import { describe, expect, it } from 'vitest'
import type { TraceSummary } from '../../../src/shared/api'
import {
  DEFAULT_SORT,
  nextSort,
  rootLabel,
  sortTraces,
} from '../../../src/renderer/src/trace-list-view'

function trace(traceId: string, overrides: Partial<TraceSummary> = {}): TraceSummary {
  return {
    traceId,
    rootSpanId: null,
    rootName: traceId,
    title: traceId,
    serviceName: null,
    startTime: '',
    startTimeUnixNano: '1000',
    endTimeUnixNano: '1000',
    durationMs: 0,
    spanCount: 1,
    errorCount: 0,
    status: 'unset',
    complete: true,
    inProgressCount: 0,
    updatedAt: '',
    agentName: null,
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
    errorClass: 'none',
    error: null,
    unnormalizedSpans: 0,
    ...overrides,
  }
}

const ids = (traces: TraceSummary[]) => traces.map((t) => t.traceId)

describe('sortTraces', () => {
  const traces = [
    trace('cheap', { costUsd: 0.001, startTimeUnixNano: '3000' }),
    trace('unpriced', { costUsd: null, unpricedCalls: 1, startTimeUnixNano: '5000' }),
    trace('dear', { costUsd: 0.5, startTimeUnixNano: '1000' }),
    trace('pending', { costUsd: 0.9, unnormalizedSpans: 2, startTimeUnixNano: '4000' }),
    trace('mid', { costUsd: 0.01, startTimeUnixNano: '2000' }),
  ]

  it('sorts by cost, largest first', () => {
    expect(ids(sortTraces(traces, { key: 'cost', direction: 'desc' }))).toEqual([
      'dear',
      'mid',
      'cheap',
      'unpriced',
      'pending',
    ])
  })

  it('keeps unknown costs last, newest first', () => {
    expect(ids(sortTraces(traces, { key: 'cost', direction: 'asc' }))).toEqual([
      'cheap',
      'mid',
      'dear',
      'unpriced',
      'pending',
    ])
  })

  it('sorts newest first by default', () => {
    expect(ids(sortTraces(traces, DEFAULT_SORT))).toEqual([
      'unpriced',
      'pending',
      'cheap',
      'mid',
      'dear',
    ])
  })

  it('compares start times as long numbers', () => {
    const long = [
      trace('old', { startTimeUnixNano: '999999999999999999' }),
      trace('new', { startTimeUnixNano: '1000000000000000000' }),
    ]
    expect(ids(sortTraces(long, { key: 'start', direction: 'desc' }))).toEqual(['new', 'old'])
  })

  it('sorts by tokens in plus out', () => {
    const byTokens = [
      trace('small', { inputTokens: 100, outputTokens: 10 }),
      trace('large', { inputTokens: 50, outputTokens: 500 }),
    ]
    expect(ids(sortTraces(byTokens, { key: 'tokens', direction: 'desc' }))).toEqual([
      'large',
      'small',
    ])
  })

  it('puts classless traces last by error class', () => {
    const byClass = [
      trace('ok'),
      trace('timeout', { errorClass: 'timeout' }),
      trace('quota', { errorClass: 'quota_exceeded' }),
    ]
    expect(ids(sortTraces(byClass, { key: 'errorClass', direction: 'asc' }))).toEqual([
      'quota',
      'timeout',
      'ok',
    ])
  })

  it('sorts by the formatted title', () => {
    // Logfire names both spans by one template, and only the titles differ.
    const turns = [
      trace('second', { rootName: 'turn {prompt}', title: 'turn What is 3+3?' }),
      trace('first', { rootName: 'turn {prompt}', title: 'turn Hello' }),
      trace('untitled', { rootName: 'agent run', title: '' }),
    ]
    expect(ids(sortTraces(turns, { key: 'name', direction: 'asc' }))).toEqual([
      'untitled',
      'first',
      'second',
    ])
  })

  it('labels a root by title, else name', () => {
    expect(rootLabel(trace('a', { rootName: 'turn {prompt}', title: 'turn Hello' }))).toBe(
      'turn Hello',
    )
    expect(rootLabel(trace('b', { rootName: 'agent run', title: '' }))).toBe('agent run')
  })

  it('does not change its input', () => {
    const copy = [...traces]
    sortTraces(traces, { key: 'cost', direction: 'desc' })
    expect(traces).toEqual(copy)
  })
})

describe('nextSort', () => {
  it('flips the same column', () => {
    expect(nextSort({ key: 'cost', direction: 'desc' }, 'cost')).toEqual({
      key: 'cost',
      direction: 'asc',
    })
  })

  it('starts numbers largest first', () => {
    expect(nextSort(DEFAULT_SORT, 'cost').direction).toBe('desc')
  })

  it('starts text A to Z', () => {
    expect(nextSort(DEFAULT_SORT, 'agent').direction).toBe('asc')
  })
})
