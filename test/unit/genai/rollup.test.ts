import { describe, expect, it } from 'vitest'
import { rollupTrace, type RollupSpan } from '../../../src/core/genai/rollup'

function span(
  spanId: string,
  parentSpanId: string | null,
  patch: Partial<RollupSpan> = {},
): RollupSpan {
  return {
    spanId,
    parentSpanId,
    kind: 'other',
    agentName: null,
    model: null,
    toolName: null,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    costUsd: null,
    costSource: 'none',
    error: null,
    retried: false,
    ...patch,
  }
}

const keyError = { type: 'KeyError', message: "'9999'", stacktrace: null }

describe('rollupTrace', () => {
  it('sums model calls only, never agent totals', () => {
    const { trace } = rollupTrace(
      [
        span('a', null, {
          kind: 'agent',
          agentName: 'support',
          inputTokens: 900,
          outputTokens: 90,
        }),
        span('m1', 'a', {
          kind: 'model',
          model: 'gpt-4o',
          inputTokens: 400,
          outputTokens: 40,
          costUsd: 0.1,
          costSource: 'sdk',
        }),
        span('m2', 'a', {
          kind: 'model',
          model: 'gpt-4o',
          inputTokens: 500,
          outputTokens: 50,
          costUsd: 0.2,
          costSource: 'sdk',
        }),
      ],
      'a',
    )
    expect(trace.modelCalls).toBe(2)
    expect(trace.inputTokens).toBe(900)
    expect(trace.outputTokens).toBe(90)
    expect(trace.costUsd).toBeCloseTo(0.3, 12)
    expect(trace.agentName).toBe('support')
    expect(trace.models).toEqual(['gpt-4o'])
  })

  it('counts a model call seen twice once', () => {
    const { trace, verdicts } = rollupTrace(
      [
        span('m', null, { kind: 'model', inputTokens: 100, outputTokens: 10 }),
        span('http', 'm', { kind: 'model', inputTokens: 100, outputTokens: 10 }),
      ],
      'm',
    )
    expect(trace.modelCalls).toBe(1)
    expect(trace.inputTokens).toBe(100)
    expect(verdicts.map((v) => v.counted)).toEqual([true, false])
  })

  it('traces a propagated tool error to its tool', () => {
    const { trace } = rollupTrace(
      [
        span('turn', null, { error: keyError }),
        span('agent', 'turn', { kind: 'agent', error: keyError }),
        span('tool', 'agent', { kind: 'tool', toolName: 'lookup_order', error: keyError }),
      ],
      'turn',
    )
    expect(trace.errorClass).toBe('tool_failed')
    expect(trace.error?.spanId).toBe('tool')
    expect(trace.error?.toolName).toBe('lookup_order')
    expect(trace.error?.httpStatus).toBe(500)
  })

  it('keeps retried tool attempts out of the run error', () => {
    const retry = {
      type: 'pydantic_ai.exceptions.ToolRetryError',
      message: 'fix it',
      stacktrace: null,
    }
    const { trace, verdicts } = rollupTrace(
      [
        span('agent', null, { kind: 'agent' }),
        span('tool', 'agent', { kind: 'tool', retried: true, error: retry }),
      ],
      'agent',
    )
    expect(trace.errorClass).toBe('none')
    expect(trace.toolRetries).toBe(1)
    expect(verdicts[1]!.errorClass).toBe('none')
  })

  it('survives parent cycles', () => {
    const { trace } = rollupTrace(
      [
        span('a', 'b', { kind: 'model', inputTokens: 1 }),
        span('b', 'a', { kind: 'model', inputTokens: 2 }),
      ],
      null,
    )
    expect(trace.modelCalls).toBe(0)
  })
})

describe('rollupTrace model retries', () => {
  const rateLimited = { type: 'requests', message: 'Rate limit', stacktrace: null, httpStatus: 429 }

  it('counts retried attempts inside a failed call', () => {
    const failed = { type: 'ModelHTTPError', message: 'status_code: 429', stacktrace: null }
    const { trace } = rollupTrace(
      [
        span('agent', null, { kind: 'agent', error: failed }),
        span('call', 'agent', { kind: 'model', error: failed }),
        // Each attempt sits under its own HTTP client span.
        span('http1', 'call', { kind: 'other', error: rateLimited }),
        span('try1', 'http1', { kind: 'model', error: rateLimited }),
        span('http2', 'call', { kind: 'other', error: rateLimited }),
        span('try2', 'http2', { kind: 'model', error: rateLimited }),
        span('http3', 'call', { kind: 'other', error: rateLimited }),
        span('try3', 'http3', { kind: 'model', error: rateLimited }),
      ],
      'agent',
    )
    expect(trace.modelCalls).toBe(1)
    expect(trace.modelRetries).toBe(2)
  })

  it('counts every failed attempt before a success', () => {
    const { trace } = rollupTrace(
      [
        span('call', null, { kind: 'model', inputTokens: 5 }),
        span('try1', 'call', { kind: 'model', error: rateLimited }),
        span('try2', 'call', { kind: 'model', inputTokens: 5 }),
      ],
      'call',
    )
    expect(trace.modelRetries).toBe(1)
    expect(trace.errorClass).toBe('none')
  })

  it('counts failed model calls before the ending error', () => {
    const overloaded = {
      type: 'ModelHTTPError',
      message: 'status_code: 503, model_name: m, body: {}',
      stacktrace: null,
    }
    const { trace } = rollupTrace(
      [
        span('agent', null, { kind: 'agent', error: overloaded }),
        span('m1', 'agent', { kind: 'model', error: overloaded }),
        span('m2', 'agent', { kind: 'model', inputTokens: 10 }),
        span('m3', 'agent', { kind: 'model', error: overloaded }),
      ],
      'agent',
    )
    expect(trace.error?.spanId).toBe('m3')
    expect(trace.modelRetries).toBe(1)
    expect(trace.errorClass).toBe('upstream_unavailable')
  })
})
