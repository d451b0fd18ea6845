import { describe, expect, it } from 'vitest'
import type { TailSpan } from '../../../src/shared/tail'
import { parseRoute, sessionHash } from '../../../src/renderer/src/route'
import {
  matchesTailFilter,
  NO_TAIL_FILTER,
  RECENT_LIMIT,
  SHOWN_LIMIT,
  TailBuffer,
} from '../../../src/renderer/src/tail-buffer'

function span(seq: number, overrides: Partial<TailSpan> = {}): TailSpan {
  return {
    seq,
    traceId: 'a'.repeat(32),
    spanId: seq.toString(16).padStart(16, '0'),
    parentSpanId: null,
    name: `span ${seq}`,
    title: `span ${seq}`,
    serviceName: 'svc',
    spanKind: 'internal',
    kind: 'other',
    status: 'unset',
    startTime: '2026-12-04T10:00:00.000Z',
    startTimeUnixNano: '1796378400000000000',
    durationMs: 1,
    agentName: null,
    model: null,
    toolName: null,
    errorClass: 'none',
    receivedMs: 0,
    ...overrides,
  }
}

function range(first: number, count: number, overrides: Partial<TailSpan> = {}): TailSpan[] {
  return Array.from({ length: count }, (_, index) => span(first + index, overrides))
}

function seqs(spans: TailSpan[]): number[] {
  return spans.map((item) => item.seq)
}

describe('tail filter', () => {
  it('matches every span without conditions', () => {
    expect(matchesTailFilter(span(1), NO_TAIL_FILTER)).toBe(true)
  })

  it('matches service, kind and errors', () => {
    const model = span(1, { kind: 'model', serviceName: 'api', model: 'gpt-4o' })
    expect(matchesTailFilter(model, { ...NO_TAIL_FILTER, service: 'api' })).toBe(true)
    expect(matchesTailFilter(model, { ...NO_TAIL_FILTER, service: 'worker' })).toBe(false)
    expect(matchesTailFilter(model, { ...NO_TAIL_FILTER, kind: 'model' })).toBe(true)
    expect(matchesTailFilter(model, { ...NO_TAIL_FILTER, kind: 'tool' })).toBe(false)
    expect(matchesTailFilter(model, { ...NO_TAIL_FILTER, errorsOnly: true })).toBe(false)
    const failed = span(2, { status: 'error' })
    expect(matchesTailFilter(failed, { ...NO_TAIL_FILTER, errorsOnly: true })).toBe(true)
    const classified = span(3, { errorClass: 'timeout' })
    expect(matchesTailFilter(classified, { ...NO_TAIL_FILTER, errorsOnly: true })).toBe(true)
  })

  it('matches text in any shown field', () => {
    const tool = span(1, { toolName: 'get_weather', agentName: 'Weather' })
    expect(matchesTailFilter(tool, { ...NO_TAIL_FILTER, text: 'WEATHER' })).toBe(true)
    expect(matchesTailFilter(tool, { ...NO_TAIL_FILTER, text: ' get_w ' })).toBe(true)
    expect(matchesTailFilter(tool, { ...NO_TAIL_FILTER, text: 'aaaa' })).toBe(true)
    expect(matchesTailFilter(tool, { ...NO_TAIL_FILTER, text: 'refund' })).toBe(false)
  })
})

describe('tail buffer', () => {
  it('keeps the last shown spans', () => {
    const buffer = new TailBuffer()
    buffer.receive(range(1, SHOWN_LIMIT + 10))
    expect(buffer.shown).toHaveLength(SHOWN_LIMIT)
    expect(buffer.shown[0]!.seq).toBe(11)
    expect(buffer.received).toBe(SHOWN_LIMIT + 10)
  })

  it('bounds the recent spans', () => {
    const buffer = new TailBuffer()
    for (let batch = 0; batch < 12; batch++) buffer.receive(range(batch * 500 + 1, 500))
    expect(buffer.recent).toHaveLength(RECENT_LIMIT)
    expect(buffer.recent[0]!.seq).toBe(6000 - RECENT_LIMIT + 1)
  })

  it('holds spans while paused', () => {
    const buffer = new TailBuffer({ ...NO_TAIL_FILTER, errorsOnly: true })
    buffer.receive([span(1, { status: 'error' })])
    buffer.pause()
    buffer.receive([span(2), span(3, { status: 'error' }), span(4)])
    expect(seqs(buffer.shown)).toEqual([1])
    expect(buffer.heldCount).toBe(3)
    expect(seqs(buffer.held)).toEqual([3])
    buffer.resume()
    expect(seqs(buffer.shown)).toEqual([1, 3])
    expect(buffer.heldCount).toBe(0)
    expect(buffer.held).toEqual([])
  })

  it('counts held spans it cannot keep', () => {
    const buffer = new TailBuffer()
    buffer.pause()
    buffer.receive(range(1, SHOWN_LIMIT + 25))
    expect(buffer.held).toHaveLength(SHOWN_LIMIT)
    expect(buffer.heldDropped).toBe(25)
    buffer.resume()
    expect(buffer.shown[0]!.seq).toBe(26)
    expect(buffer.heldDropped).toBe(0)
  })

  it('refilters shown and recent spans', () => {
    const buffer = new TailBuffer()
    buffer.receive([span(1, { kind: 'tool' }), span(2), span(3, { kind: 'tool' })])
    buffer.setFilter({ ...NO_TAIL_FILTER, kind: 'tool' })
    expect(seqs(buffer.shown)).toEqual([1, 3])
    buffer.receive([span(4), span(5, { kind: 'tool' })])
    expect(seqs(buffer.shown)).toEqual([1, 3, 5])
    buffer.setFilter(NO_TAIL_FILTER)
    expect(seqs(buffer.shown)).toEqual([1, 2, 3, 4, 5])
  })

  it('keeps rare matches beyond the recent window', () => {
    const buffer = new TailBuffer({ ...NO_TAIL_FILTER, errorsOnly: true })
    buffer.receive([span(1, { status: 'error' })])
    buffer.receive(range(2, RECENT_LIMIT))
    expect(buffer.recent.some((item) => item.seq === 1)).toBe(false)
    buffer.setFilter({ ...NO_TAIL_FILTER, errorsOnly: true, service: 'svc' })
    expect(seqs(buffer.shown)).toEqual([1])
  })

  it('refilters without showing held spans', () => {
    const buffer = new TailBuffer({ ...NO_TAIL_FILTER, kind: 'model' })
    buffer.receive([span(1, { kind: 'model' }), span(2)])
    buffer.pause()
    buffer.receive([span(3), span(4, { kind: 'model' })])
    buffer.setFilter(NO_TAIL_FILTER)
    expect(seqs(buffer.shown)).toEqual([1, 2])
    expect(seqs(buffer.held)).toEqual([3, 4])
    buffer.resume()
    expect(seqs(buffer.shown)).toEqual([1, 2, 3, 4])
  })

  it('lists the services it saw', () => {
    const buffer = new TailBuffer()
    buffer.receive([span(1, { serviceName: 'b' }), span(2, { serviceName: null }), span(3)])
    expect([...buffer.services].sort()).toEqual(['b', 'svc'])
  })
})

describe('tail, logs and sessions routes', () => {
  it('parses the pages', () => {
    expect(parseRoute('#/tail')).toEqual({ page: 'tail' })
    expect(parseRoute('#/logs')).toEqual({ page: 'logs' })
    expect(parseRoute('#/sessions')).toEqual({ page: 'sessions' })
    expect(parseRoute('#/session/conv-1')).toEqual({ page: 'session', sessionId: 'conv-1' })
    expect(parseRoute('#/session/')).toEqual({ page: 'list' })
    expect(parseRoute('#/tail/extra')).toEqual({ page: 'list' })
  })

  it('round-trips a session id with a slash', () => {
    const id = 'user/42 chat?x=1'
    expect(parseRoute(sessionHash(id))).toEqual({ page: 'session', sessionId: id })
  })
})
