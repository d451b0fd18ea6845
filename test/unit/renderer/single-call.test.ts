import { describe, expect, it } from 'vitest'
import type { SingleCallResult } from '../../../src/shared/api'
import { callHash, parseRoute } from '../../../src/renderer/src/route'
import {
  parseCallRequest,
  replyOfCompletion,
  replyOfMessages,
  toolCallText,
} from '../../../src/renderer/src/single-call'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

function result(status: number, reply: SingleCallResult['reply']): SingleCallResult {
  return { runId: 'run_1', traceId: TRACE, status, reply }
}

describe('call route', () => {
  it('round-trips the trace and span', () => {
    expect(callHash(TRACE, SPAN)).toBe(`#/call/${TRACE}/${SPAN}`)
    expect(parseRoute(callHash(TRACE, SPAN))).toEqual({
      page: 'call',
      traceId: TRACE,
      spanId: SPAN,
    })
  })

  it('needs both ids', () => {
    expect(parseRoute(`#/call/${TRACE}`)).toEqual({ page: 'list' })
    expect(parseRoute(`#/call/${TRACE}/`)).toEqual({ page: 'list' })
  })
})

describe('parseCallRequest', () => {
  it('reads a request with messages', () => {
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }
    expect(parseCallRequest(JSON.stringify(request))).toEqual({ request, error: null })
  })

  it.each([
    ['{', 'invalid JSON: '],
    ['[1]', 'the request must be a JSON object'],
    ['{"model": "m"}', 'the request needs a non-empty "messages" array'],
    ['{"messages": []}', 'the request needs a non-empty "messages" array'],
  ])('rejects %s', (text, error) => {
    const parsed = parseCallRequest(text)
    expect(parsed.request).toBeNull()
    expect(parsed.error).toContain(error)
  })
})

describe('replyOfMessages', () => {
  it('joins text and collects tool calls', () => {
    const reply = replyOfMessages([
      {
        role: 'assistant',
        finishReason: 'tool_calls',
        parts: [
          { type: 'text', content: 'Checking ' },
          { type: 'text', content: 'the forecast.' },
          { type: 'tool_call', id: 'call_1', name: 'get_forecast', arguments: { city: 'Rome' } },
        ],
      },
    ])
    expect(reply).toEqual({
      text: 'Checking the forecast.',
      toolCalls: [{ id: 'call_1', name: 'get_forecast', arguments: { city: 'Rome' } }],
      finishReason: 'tool_calls',
    })
  })

  it('is null without output messages', () => {
    expect(replyOfMessages(null)).toBeNull()
    expect(replyOfMessages([])).toBeNull()
  })
})

describe('replyOfCompletion', () => {
  it('reads text, tool calls and their JSON arguments', () => {
    const outcome = replyOfCompletion(
      result(200, {
        choices: [
          {
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_9',
                  type: 'function',
                  function: { name: 'get_forecast', arguments: '{"city":"Oslo"}' },
                },
                { id: 'call_10', type: 'function', function: { name: 'f', arguments: 'not json' } },
              ],
            },
          },
        ],
      }),
    )
    expect(outcome).toEqual({
      reply: {
        text: null,
        toolCalls: [
          { id: 'call_9', name: 'get_forecast', arguments: { city: 'Oslo' } },
          { id: 'call_10', name: 'f', arguments: 'not json' },
        ],
        finishReason: 'tool_calls',
      },
      error: null,
    })
  })

  it('reports the error of a failed call', () => {
    const outcome = replyOfCompletion(
      result(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request' } }),
    )
    expect(outcome).toEqual({ reply: null, error: 'HTTP 401: Incorrect API key provided' })
  })

  it('reports a response without a message', () => {
    expect(replyOfCompletion(result(200, { choices: [] })).error).toBe(
      'the response has no choices[0].message to show',
    )
  })
})

describe('toolCallText', () => {
  it('formats name and arguments', () => {
    expect(toolCallText({ id: null, name: 'get_forecast', arguments: { city: 'Oslo' } })).toBe(
      'get_forecast({"city":"Oslo"})',
    )
  })
})
