import { describe, expect, it } from 'vitest'
import type { CoreStatus, PortStatus, TraceSummary } from '../../../src/shared/api'
import {
  formatCount,
  formatDuration,
  formatSpanKind,
  nanosToIso,
  parseEmbeddedJson,
  pluralize,
} from '../../../src/renderer/src/format'
import { compareNanos, mergeTraces } from '../../../src/renderer/src/merge-traces'
import { describeConflict } from '../../../src/renderer/src/port-conflicts'
import { parseRoute, traceHash } from '../../../src/renderer/src/route'

function summary(traceId: string, startTimeUnixNano: string, spanCount = 1): TraceSummary {
  return {
    traceId,
    rootSpanId: null,
    rootName: traceId,
    title: traceId,
    serviceName: null,
    startTime: '',
    startTimeUnixNano,
    endTimeUnixNano: startTimeUnixNano,
    durationMs: 0,
    spanCount,
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
  }
}

describe('mergeTraces', () => {
  it('inserts new traces newest first', () => {
    const current = [summary('c', '300'), summary('a', '100')]
    const merged = mergeTraces(current, [summary('b', '200'), summary('d', '400')])
    expect(merged.map((trace) => trace.traceId)).toEqual(['d', 'c', 'b', 'a'])
  })

  it('replaces a known trace in place', () => {
    const current = [summary('c', '300'), summary('a', '100')]
    const merged = mergeTraces(current, [summary('a', '100', 7)])
    expect(merged).toHaveLength(2)
    expect(merged[1]!.spanCount).toBe(7)
  })

  it('compares nanosecond strings of different lengths', () => {
    expect(compareNanos('999', '1000')).toBeLessThan(0)
    expect(compareNanos('1772420400000000001', '1772420400000000000')).toBeGreaterThan(0)
    expect(compareNanos('5', '5')).toBe(0)
  })
})

describe('format', () => {
  it('formats counts with a comma separator', () => {
    expect(formatCount(50_000)).toBe('50,000')
    expect(pluralize(50_000, 'span')).toBe('50,000 spans')
    expect(pluralize(1, 'span')).toBe('1 span')
  })

  it('formats durations with a fitting unit', () => {
    expect(formatDuration(0)).toBe('0 ms')
    expect(formatDuration(0.25)).toBe('250 µs')
    expect(formatDuration(8750)).toBe('8.75 s')
    expect(formatDuration(501_700)).toBe('8 min 21.7 s')
  })

  it('keeps all nine fraction digits of a nanosecond time', () => {
    expect(nanosToIso('1772420400000123456')).toBe('2026-03-02T03:00:00.000123456Z')
    expect(nanosToIso('0')).toBe('1970-01-01T00:00:00.000000000Z')
    expect(nanosToIso('not a number')).toBe('not a number')
  })

  it('shows out-of-range span kinds as unknown', () => {
    expect(formatSpanKind('unspecified', 9)).toBe('unknown (9)')
    expect(formatSpanKind('unspecified', 0)).toBe('unspecified')
    expect(formatSpanKind('client', 3)).toBe('client')
  })

  it('parses JSON objects held in strings only', () => {
    expect(parseEmbeddedJson('{"max_pages": 99999}')).toEqual({ max_pages: 99999 })
    expect(parseEmbeddedJson('[1, 2]')).toEqual([1, 2])
    expect(parseEmbeddedJson('42')).toBeUndefined()
    expect(parseEmbeddedJson('{not json')).toBeUndefined()
    expect(parseEmbeddedJson(42)).toBeUndefined()
  })
})

describe('parseRoute', () => {
  it('parses the list, trace and span routes', () => {
    expect(parseRoute('')).toEqual({ page: 'list' })
    expect(parseRoute('#/')).toEqual({ page: 'list' })
    expect(parseRoute('#/trace/ABC')).toEqual({ page: 'trace', traceId: 'abc', spanId: null })
    expect(parseRoute('#/trace/abc/DEF')).toEqual({ page: 'trace', traceId: 'abc', spanId: 'def' })
  })

  it('round-trips traceHash', () => {
    expect(parseRoute(traceHash('abc', 'def'))).toEqual({
      page: 'trace',
      traceId: 'abc',
      spanId: 'def',
    })
  })
})

describe('describeConflict', () => {
  const httpPort: PortStatus = {
    purpose: 'otlp-http',
    requested: 4318,
    actual: 4319,
    conflict: { holder: null },
  }
  const status: CoreStatus = {
    version: '0.1.0',
    dataDir: '/tmp/x',
    host: '127.0.0.1',
    otlpHttpUrl: 'http://127.0.0.1:4319',
    otlpGrpcUrl: 'http://127.0.0.1:4317',
    uiUrl: 'http://127.0.0.1:4320/',
    ports: [httpPort],
    traceCount: 0,
    spanCount: 0,
    empty: true,
    ingestProblems: [],
  }

  it('names the port, the holder and the new endpoint', () => {
    expect(describeConflict(httpPort, status)).toBe(
      'Port 4318 (OTLP/HTTP) is in use by another process; Loupe listens on 4319 instead. ' +
        'Point agents at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4319',
    )
  })

  it('names a known holder', () => {
    const withHolder = { ...httpPort, conflict: { holder: 'otelcol (pid 42)' } }
    expect(describeConflict(withHolder, status)).toContain('is in use by otelcol (pid 42);')
  })

  it('says when no other port was found', () => {
    const failed = { ...httpPort, actual: null }
    expect(describeConflict(failed, status)).toContain('Restart Loupe with --port')
  })
})
