import { describe, expect, it } from 'vitest'
import { classifyError, providerStatus, shortType } from '../../../src/core/genai/errors'
import type { OperationKind } from '../../../src/shared/genai'

const cases: [string, string | null, string, OperationKind, string][] = [
  [
    'usage limit',
    'pydantic_ai.exceptions.UsageLimitExceeded',
    'The next request would exceed the request_limit of 3',
    'agent',
    'quota_exceeded',
  ],
  [
    'HTTP 401',
    'pydantic_ai.exceptions.ModelHTTPError',
    'status_code: 401, model_name: gpt-4o, body: {}',
    'model',
    'provider_rejected',
  ],
  [
    'HTTP 408',
    'pydantic_ai.exceptions.ModelHTTPError',
    'status_code: 408, model_name: gpt-4o, body: {}',
    'model',
    'upstream_unavailable',
  ],
  [
    'HTTP 429',
    'pydantic_ai.exceptions.ModelHTTPError',
    'status_code: 429, model_name: gpt-4o, body: {}',
    'model',
    'upstream_unavailable',
  ],
  [
    'HTTP 503',
    'ModelHTTPError',
    'status_code: 503, model_name: gpt-4o, body: {}',
    'agent',
    'upstream_unavailable',
  ],
  [
    '2.x rate limit class',
    'pydantic_ai.exceptions.ModelRateLimitError',
    'status_code: 429, model_name: m, body: x',
    'model',
    'upstream_unavailable',
  ],
  [
    '2.x auth class',
    'pydantic_ai.exceptions.ModelAuthenticationError',
    'status_code: 401, model_name: m, body: x',
    'model',
    'provider_rejected',
  ],
  [
    'connection timeout',
    'pydantic_ai.exceptions.ModelAPIError',
    'Request timed out.',
    'model',
    'timeout',
  ],
  [
    'connection refused',
    'pydantic_ai.exceptions.ModelAPIError',
    'Connection error.',
    'model',
    'upstream_unavailable',
  ],
  [
    'output retries',
    'pydantic_ai.exceptions.UnexpectedModelBehavior',
    'Exceeded maximum output retries (1)',
    'agent',
    'model_output_invalid',
  ],
  ['builtin timeout', 'TimeoutError', '', 'other', 'timeout'],
  ['httpx timeout', 'httpx.ReadTimeout', 'timed out', 'model', 'timeout'],
  [
    'cancelled by wait_for',
    'asyncio.exceptions.CancelledError',
    'File "x.py", in wait_for',
    'agent',
    'timeout',
  ],
  ['cancelled otherwise', 'asyncio.exceptions.CancelledError', '', 'agent', 'internal'],
  [
    'validation error',
    'pydantic_core._pydantic_core.ValidationError',
    '1 validation error',
    'other',
    'input_invalid',
  ],
  ['tool raised KeyError', 'KeyError', "'9999'", 'tool', 'tool_failed'],
  ['KeyError outside tools', 'KeyError', "'9999'", 'agent', 'internal'],
  [
    'AI SDK retries exhausted',
    'AI_RetryError',
    'Failed after 3 attempts. Last error: Overloaded',
    'agent',
    'upstream_unavailable',
  ],
  [
    'AI SDK non-retryable',
    'AI_RetryError',
    "Failed after 1 attempts with non-retryable error: 'Unauthorized'",
    'agent',
    'provider_rejected',
  ],
  [
    'AI SDK no object',
    'AI_NoObjectGeneratedError',
    'No object generated',
    'agent',
    'model_output_invalid',
  ],
  [
    'openai rate limit',
    'openai.RateLimitError',
    'Error code: 429',
    'model',
    'upstream_unavailable',
  ],
  ['node refused', 'ECONNREFUSED', 'connect ECONNREFUSED', 'model', 'upstream_unavailable'],
  ['anything else', 'RuntimeError', 'boom', 'agent', 'internal'],
]

describe('classifyError', () => {
  it.each(cases)('%s', (_label, type, message, originKind, expected) => {
    expect(classifyError({ type, message, stacktrace: null }, originKind)).toBe(expected)
  })
})

describe('classifyError of failed HTTP calls', () => {
  const httpCases: [string, string | null, number | null, string][] = [
    ['gateway 429', 'requests', 429, 'upstream_unavailable'],
    ['gateway 401', 'invalid_request_error', 401, 'provider_rejected'],
    ['httpx client 503', '503', 503, 'upstream_unavailable'],
    ['gateway hang', 'loupe.fault.hang', 200, 'timeout'],
    ['client gave up', 'client_closed', 200, 'timeout'],
    ['cut stream', 'loupe.fault.cut_stream', 200, 'upstream_unavailable'],
    ['unknown, no status', 'weird', null, 'internal'],
  ]
  it.each(httpCases)('%s', (_label, type, httpStatus, expected) => {
    expect(classifyError({ type, message: null, stacktrace: null, httpStatus }, 'model')).toBe(
      expected,
    )
  })
})

describe('shortType', () => {
  it('takes the last dotted segment and drops AI_', () => {
    expect(shortType('pydantic_ai.exceptions.ModelHTTPError')).toBe('ModelHTTPError')
    expect(shortType('AI_APICallError')).toBe('APICallError')
    expect(shortType(null)).toBe('')
  })
})

describe('providerStatus', () => {
  it('reads the status of a ModelHTTPError message', () => {
    expect(
      providerStatus({
        type: 'ModelHTTPError',
        message: 'status_code: 429, model_name: m',
        stacktrace: null,
      }),
    ).toBe(429)
    expect(providerStatus({ type: 'KeyError', message: "'x'", stacktrace: null })).toBeNull()
  })
})
