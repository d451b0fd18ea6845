// The automatic mock's limits: a tool schema whose smallest valid arguments
// are huge gets a clear 400 at once, instead of exhausting the core.

import { describe, expect, it } from 'vitest'
import { mockAnswer } from '../../../src/core/gateway/answer'
import type { JsonValue } from '../../../src/shared/api'
import type { ModelCall } from '../../../src/core/gateway/conversation'

function callWithTool(parameters: JsonValue): ModelCall {
  return {
    model: 'gpt-4o-mini',
    systemInstructions: [],
    messages: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
    tools: [{ name: 'huge', description: null, parameters }],
    toolChoice: 'auto',
    parallelToolCalls: true,
    output: { type: 'text' },
    maxOutputTokens: null,
    stopSequences: [],
    temperature: null,
    topP: null,
    seed: null,
    stream: false,
  }
}

const options = { seed: 1, toolCallIdPrefix: 'call_' }

describe('mockAnswer limits', () => {
  it.each([
    [
      'minItems',
      { type: 'array', minItems: 100_000_000, items: { type: 'string' } },
      'more than 10000 values',
    ],
    ['minLength', { type: 'string', minLength: 1_000_000_000 }, 'at least 1000000000 characters'],
  ])('rejects a huge %s', (_name, property, expected) => {
    const started = performance.now()
    const answer = mockAnswer(
      callWithTool({ type: 'object', properties: { b: property }, required: ['b'] } as JsonValue),
      options,
    )
    // A hang check: generating the value would take minutes and gigabytes.
    expect(performance.now() - started).toBeLessThan(2_000)
    if (answer.kind !== 'error') throw new Error('expected an error')
    expect(answer.error.status).toBe(400)
    expect(answer.error.message).toContain(expected)
  })

  it('still answers an ordinary schema', () => {
    const answer = mockAnswer(
      callWithTool({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
      options,
    )
    expect(answer.kind).toBe('reply')
  })
})
